package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What ops see and do: the Prometheus metrics move with traffic, and an admin can end one client's stream. */
class OperationsIT extends DeployedWar {

    /** {@code name{labels} value}: one sample of the text exposition, comments left out. */
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
    private static final Pattern CLIENT_ID = Pattern.compile("\\{\"clientId\":\"([A-Za-z0-9_-]{10})\".*");

    /** Each sample by name and labels, with its value. */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> response = api.get("api/metrics");
        assertEquals(200, response.statusCode(), response.body());
        // servers order the parameters differently: Tomcat keeps ours, Payara puts charset first
        String contentType = response.headers().firstValue("Content-Type").orElse("").replace(" ", "");
        assertTrue(contentType.startsWith("text/plain;") && contentType.contains("version=0.0.4"), contentType);
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not a sample: " + line);
            String labels = sample.group(2) == null ? "" : sample.group(2).replaceAll(",?node=\"[^\"]*\"", "")
                    .replace("{,", "{").replace("{}", "");
            samples.put(sample.group(1) + labels, Double.parseDouble(sample.group(3)));
        }
        return samples;
    }

    private static double value(Map<String, Double> samples, String name) {
        Double value = samples.get(name);
        assertTrue(value != null, name + " missing from " + samples.keySet());
        return value;
    }

    @Test
    void theApiDescriptionIsServedAsJsonFromTheWar() throws Exception {
        HttpResponse<String> served = api.get("openapi.json", Map.of());

        assertEquals(200, served.statusCode(), served.body());
        String contentType = served.headers().firstValue("Content-Type").orElse("");
        assertTrue(contentType.startsWith("application/json"), contentType);
        assertEquals(ApiDescription.get().root(), new com.fasterxml.jackson.databind.ObjectMapper().readTree(served.body()));
    }

    @Test
    void anOptionsRequestThatIsNoPreflightGetsTheMethodsOfItsPath() throws Exception {
        HttpResponse<String> options = ApiDescription.checked(java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(api.uri("api/info"))
                        .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                        .timeout(java.time.Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()));

        assertEquals(200, options.statusCode(), options.body());
        assertTrue(options.headers().firstValue("Allow").orElse("").contains("GET"), options.headers().map().toString());
    }

    @Test
    void metricsMoveWithTraffic() throws Exception {
        Map<String, Double> before = scrape();
        try (SseStream stream = api.stream("topic=metered")) {
            stream.ready();
            String id = api.publish("metered", "\"counted\"");
            assertEquals(id, stream.next().id());

            Map<String, Double> during = scrape();

            assertEquals(value(before, "herald_connects_total") + 1, value(during, "herald_connects_total"));
            assertEquals(value(before, "herald_events_published_total") + 1, value(during, "herald_events_published_total"));
            assertTrue(value(during, "herald_events_delivered_total") > value(before, "herald_events_delivered_total"));
            assertTrue(value(during, "herald_connections") >= 1);
            assertTrue(value(during, "herald_publish_to_write_seconds_count")
                    > value(before, "herald_publish_to_write_seconds_count"));
        }
        assertEquals(401, api.get("api/metrics", Map.of()).statusCode());
    }

    @Test
    void anAdminEndsOneClientsStream() throws Exception {
        String admin = Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops", Instant.now().plusSeconds(600), null);
        String notAdmin = Tokens.signed(Tokens.SECRET, List.of("orders"), List.of(), "svc", Instant.now().plusSeconds(600), null);
        try (SseStream kicked = api.stream("topic=kick"); SseStream other = api.stream("topic=kick")) {
            Matcher welcome = CLIENT_ID.matcher(kicked.next().data());
            assertTrue(welcome.matches());
            String clientId = welcome.group(1);
            other.ready();

            assertEquals(401, api.delete("api/clients/" + clientId, null).statusCode());
            assertEquals(403, api.delete("api/clients/" + clientId, notAdmin).statusCode());
            assertEquals(400, api.delete("api/clients/not-an-id", admin).statusCode());
            assertEquals(404, api.delete("api/clients/AAAAAAAAAA", admin).statusCode());
            assertEquals(204, api.delete("api/clients/" + clientId, admin).statusCode());

            kicked.awaitEnd();
            String id = api.publish("kick", "\"still here\"");
            assertEquals(id, other.await(e -> id.equals(e.id())).id());
        }
        Map<String, Double> after = scrape();
        assertTrue(value(after, "herald_disconnects_total{reason=\"kicked\"}") >= 1);
    }

    @Test
    void aTokenThatMayPublishAndSubscribeEverywhereMayNotEndOtherClientsStreams() throws Exception {
        try (SseStream stream = api.stream("topic=kick-star")) {
            Matcher welcome = CLIENT_ID.matcher(stream.next().data());
            assertTrue(welcome.matches());
            stream.ready();

            HttpResponse<String> refused = api.delete("api/clients/" + welcome.group(1), Tokens.all());

            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("$admin"), refused.body());
            String id = api.publish("kick-star", "\"still open\"");
            assertEquals(id, stream.await(e -> id.equals(e.id())).id());
        }
    }
}
