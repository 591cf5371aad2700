package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connection and publish limits, trusted proxies and CORS, on the WAR deployed with tight limits ({@link BuiltWar#limited}). */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LimitsIT {

    @ArquillianResource
    @OperateOnDeployment(BuiltWar.LIMITED)
    private URL limited;

    private ExecutorService readers;
    private Api api;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Deployment(name = BuiltWar.LIMITED, testable = false)
    static WebArchive war() {
        return BuiltWar.limited();
    }

    @BeforeEach
    void connect() {
        readers = Executors.newCachedThreadPool();
        api = new Api(limited, readers);
    }

    @AfterEach
    void close() {
        readers.shutdownNow();
    }

    private SseStream streamFrom(String address) throws Exception {
        return api.stream("topic=limits", Map.of(Api.NO_TOKEN, "", "X-Forwarded-For", "198.51.100.99, " + address));
    }

    @Test
    void streamsAreLimitedPerForwardedAddressAndPerNode() throws Exception {
        List<SseStream> open = new ArrayList<>();
        try {
            for (String address : List.of("203.0.113.7", "203.0.113.7")) {
                SseStream stream = streamFrom(address);
                open.add(stream);
                assertEquals(200, stream.status());
                stream.ready();
            }
            HttpResponse<String> third = api.get("api/events?topic=limits", Map.of("X-Forwarded-For", "203.0.113.7"));
            assertEquals(429, third.statusCode(), third.body());
            assertTrue(third.body().contains("too_many_connections_from_address"), third.body());
            assertEquals("10", third.headers().firstValue("Retry-After").orElse(null));

            // another address behind the same trusted proxy is counted apart, up to the node's limit of 4
            for (String address : List.of("203.0.113.8", "203.0.113.9")) {
                SseStream stream = streamFrom(address);
                open.add(stream);
                stream.ready();
            }
            HttpResponse<String> fifth = api.get("api/events?topic=limits", Map.of("X-Forwarded-For", "203.0.113.10"));
            assertEquals(503, fifth.statusCode(), fifth.body());
            assertTrue(fifth.body().contains("too_many_connections"), fifth.body());
            assertEquals("5", fifth.headers().firstValue("Retry-After").orElse(null));
        } finally {
            for (SseStream stream : open) {
                stream.close();
            }
        }
    }

    @Test
    void aPublisherBeyondItsRateGets429() throws Exception {
        String token = Tokens.signed(Tokens.SECRET, List.of("*"), List.of(), "flood", Instant.now().plusSeconds(600), null);
        int accepted = 0;
        List<HttpResponse<String>> refused = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = api.post("api/events", "application/json",
                    "{\"data\":1}".getBytes(StandardCharsets.UTF_8), Map.of("Authorization", "Bearer " + token));
            if (response.statusCode() == 202) {
                accepted++;
            } else {
                refused.add(response);
            }
        }

        assertTrue(accepted >= 3 && !refused.isEmpty(), accepted + " accepted, " + refused.size() + " refused");
        HttpResponse<String> first = refused.get(0);
        assertEquals(429, first.statusCode(), first.body());
        assertTrue(first.body().contains("rate_limited"), first.body());
        assertEquals("1", first.headers().firstValue("Retry-After").orElse(null));
    }

    /**
     * docs/client.md's Java publisher, against a publisher's bucket the test has just emptied: it waits as
     * {@code Retry-After} says, its event arrives once, and the same key again stores nothing.
     */
    @Test
    void theDocumentedJavaPublisherRetriesARateLimitedEventWithItsKeyAndItArrivesOnce() throws Exception {
        String token = Tokens.signed(Tokens.SECRET, List.of("*"), List.of(), "java-publisher",
                Instant.now().plusSeconds(600), null);
        RetryingPublisher publisher = new RetryingPublisher(api.uri("api/events"), () -> token, 10);
        try (SseStream stream = streamFrom("203.0.113.30")) {
            String welcome = stream.next().data();
            stream.ready();
            for (int i = 0; i < 10; i++) { // empties the bucket: the publish below is refused at first, then waits
                api.post("api/events", "application/json", "{\"topic\":\"elsewhere\",\"data\":0}"
                        .getBytes(StandardCharsets.UTF_8), Map.of("Authorization", "Bearer " + token));
            }

            RetryingPublisher.Published first = publisher.publish("{\"topic\":\"limits\",\"data\":{\"n\":1}}", "key-1");
            RetryingPublisher.Published again = publisher.publish("{\"topic\":\"limits\",\"data\":{\"n\":1}}", "key-1");
            RetryingPublisher.Published second = publisher.publish("{\"topic\":\"limits\",\"data\":{\"n\":2}}");

            assertFalse(first.replayed(), first.toString());
            assertTrue(again.replayed(), again.toString());
            assertEquals(first.body(), again.body());
            List<SseEvent> received = stream.until(event -> event.data().equals("{\"n\":2}"));
            assertEquals(List.of("{\"n\":1}", "{\"n\":2}"),
                    received.stream().map(SseEvent::data).filter(data -> data.startsWith("{\"n\"")).toList());
            RetryingPublisher.Refused refused = assertThrows(RetryingPublisher.Refused.class,
                    () -> publisher.publish("{\"topic\":\"limits\",\"data\":{\"n\":3}}", "key-1"));
            assertEquals(422, refused.status, "the same key for another event");

            // ended here, so that it does not count against the node's 4 streams in the tests after this one
            String admin = Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops", Instant.now().plusSeconds(600), null);
            String clientId = welcome.replaceFirst("^\\{\"clientId\":\"([^\"]+)\".*", "$1");
            assertEquals(204, api.delete("api/clients/" + clientId, admin).statusCode(), welcome);
            stream.awaitEnd(10);
        }
    }

    /** Three events a second, batches of at most five: the bucket holds a full batch, and counts its events. */
    @Test
    void aBatchSpendsTheRateByItsEventsAndAFullBatchAlwaysPassesInTheEnd() throws Exception {
        BatchPublishIT.assertTheRateCountsEvents(api, 3, 5, 5, 20);
    }

    @Test
    void anAllowedOriginGetsCorsHeadersAndAPreflightAnswer() throws Exception {
        HttpResponse<String> preflight = ApiDescription.checked(http.send(HttpRequest.newBuilder(api.uri("api/events"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", BuiltWar.ALLOWED_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));

        assertEquals(204, preflight.statusCode(), preflight.body());
        assertEquals(BuiltWar.ALLOWED_ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("true", preflight.headers().firstValue("Access-Control-Allow-Credentials").orElse(null));
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));

        HttpResponse<String> info = api.get("api/info", Map.of("Origin", BuiltWar.ALLOWED_ORIGIN));
        assertEquals(200, info.statusCode());
        assertEquals(BuiltWar.ALLOWED_ORIGIN, info.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(info.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("Date"),
                "herald.js on another origin reads the server's clock for welcome's expiresAt");
    }

    @Test
    void anotherOriginIsRefusedAndTheOwnOriginIsNot() throws Exception {
        HttpResponse<String> foreign = api.post("api/events", "application/json",
                "{\"data\":1}".getBytes(StandardCharsets.UTF_8), Map.of("Origin", "https://evil.example"));
        URI own = api.uri("");
        HttpResponse<String> same = api.get("api/info", Map.of("Origin", own.getScheme() + "://" + own.getAuthority()));

        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(foreign.body().contains("origin_not_allowed"), foreign.body());
        assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        assertEquals(200, same.statusCode(), same.body());
    }

    @Test
    void aStreamEndsAtItsMaximumLifetime() throws Exception {
        long opened = System.nanoTime();
        try (SseStream stream = streamFrom("203.0.113.20")) {
            stream.ready();

            stream.awaitEnd(20);
        }
        // herald.stream.max-lifetime=10s, less up to a tenth for jitter, checked every second
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - opened);
        assertTrue(seconds >= 8, "ended after " + seconds + " s");
    }
}
