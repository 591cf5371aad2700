package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Every bad request gets a 4xx with a JSON error code, and publishes nothing. */
class BadInputIT extends DeployedWar {

    private record Case(String contentType, byte[] body, int status, String code) {

        static Case json(String body, int status, String code) {
            return new Case("application/json", body.getBytes(StandardCharsets.UTF_8), status, code);
        }
    }

    private static final String ERROR = "\\{\"error\":\"%s\",\"detail\":\"[^\"]+\"}";

    @Test
    void badPublishesAreRefusedWithAReasonAndPublishNothing() throws Exception {
        List<Case> cases = new ArrayList<>(List.of(
                Case.json("{\"data\":", 400, "malformed_json"),
                Case.json("", 400, "malformed_json"),
                Case.json("[1]", 400, "invalid_body"),
                Case.json("{\"topic\":\"a\"}", 400, "missing_data"),
                Case.json("{\"data\":1,\"priority\":\"high\"}", 400, "unknown_field"),
                Case.json("{\"data\":1,\"topic\":7}", 400, "invalid_topic"),
                Case.json("{\"data\":1,\"topic\":\"a b\"}", 400, "invalid_topic"),
                Case.json("{\"data\":1,\"topic\":\"a\\r\\ndata: injected\"}", 400, "invalid_topic"),
                Case.json("{\"data\":1,\"type\":\"x\\nid: 1\"}", 400, "invalid_type"),
                Case.json("{\"data\":1,\"type\":false}", 400, "invalid_type"),
                Case.json("{\"data\":1,\"type\":\"ready\"}", 400, "reserved_type"),
                Case.json("{\"data\":1,\"retry\":\"5000\"}", 400, "invalid_retry"),
                Case.json("{\"data\":1,\"retry\":10}", 400, "invalid_retry"),
                Case.json("{\"data\":1,\"retry\":600001}", 400, "invalid_retry"),
                Case.json("{\"data\":1,\"topic\":\"$presence\"}", 403, "reserved_topic"),
                Case.json("{\"data\":\"" + "x".repeat(64 * 1024) + "\"}", 413, "body_too_large"),
                new Case("text/plain", "{\"data\":1}".getBytes(StandardCharsets.UTF_8), 415, "unsupported_media_type"),
                new Case("application/json; charset=ISO-8859-1", "{\"data\":1}".getBytes(StandardCharsets.UTF_8), 415,
                        "unsupported_media_type"),
                new Case(null, "{\"data\":1}".getBytes(StandardCharsets.UTF_8), 415, "unsupported_media_type"),
                new Case("application/json", new byte[] {'{', '"', 'd', 'a', 't', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'},
                        400, "malformed_json")));

        String before = api.publish(null, "\"before\"");
        for (Case c : cases) {
            HttpResponse<String> response = api.post("api/events", c.contentType(), c.body());
            String label = c.contentType() + " " + new String(c.body(), StandardCharsets.UTF_8)
                    .substring(0, Math.min(60, c.body().length));
            assertEquals(c.status(), response.statusCode(), label + " -> " + response.body());
            assertTrue(response.body().matches(String.format(ERROR, c.code())), label + " -> " + response.body());
        }
        String after = api.publish(null, "\"after\"");

        assertEquals(sequence(before) + 1, sequence(after), "a refused publish must not use up an id");
    }

    @Test
    void anIdempotencyKeyHeraldCannotKeepIsRefused() throws Exception {
        for (String key : List.of("x".repeat(129), "two words", "")) {
            HttpResponse<String> response = api.publishOnce("{\"data\":1}", key);
            assertEquals(400, response.statusCode(), key + " -> " + response.body());
            assertTrue(response.body().matches(String.format(ERROR, "invalid_idempotency_key")), response.body());
        }
    }

    @Test
    void badStreamRequestsAreRefusedWithAReason() throws Exception {
        String tooMany = IntStream.rangeClosed(1, 65).mapToObj(i -> "topic=t" + i).collect(Collectors.joining("&"));
        String[][] cases = {
            {tooMany, "too_many_topics"},
            {"topic=" + URLEncoder.encode("a\r\nb", StandardCharsets.UTF_8), "invalid_topic"},
            {"topic=" + "x".repeat(129), "invalid_topic"},
            {"topic=$admin", "invalid_topic"},
            {"envelope=yes", "invalid_envelope"},
            {"lastEventId=" + URLEncoder.encode("1\nevent: x", StandardCharsets.UTF_8), "invalid_last_event_id"},
        };
        for (String[] c : cases) {
            HttpResponse<String> response = api.get("api/events?" + c[0]);
            assertEquals(400, response.statusCode(), c[0] + " -> " + response.body());
            assertTrue(response.body().matches(String.format(ERROR, c[1])), c[0] + " -> " + response.body());
        }
    }

    @Test
    void sixtyFourTopicsAreAllowed() throws Exception {
        String query = IntStream.rangeClosed(1, 64).mapToObj(i -> "topic=t" + i).collect(Collectors.joining("&"));

        try (SseStream stream = api.stream(query)) {
            assertEquals(200, stream.status());
            assertEquals("ready", stream.ready().type());
        }
    }

    @Test
    void unknownPathsAndMethodsGetJsonErrors() throws Exception {
        HttpResponse<String> missing = api.get("api/nothing-here");
        HttpResponse<String> wrongMethod = api.post("api/clients", "application/json", "{}".getBytes(StandardCharsets.UTF_8));

        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().matches(String.format(ERROR, "not_found")), missing.body());
        assertEquals(405, wrongMethod.statusCode());
        assertTrue(wrongMethod.body().matches(String.format(ERROR, "method_not_allowed")), wrongMethod.body());
    }

    private static long sequence(String id) {
        return Long.parseLong(id.substring(id.indexOf('-') + 1));
    }
}
