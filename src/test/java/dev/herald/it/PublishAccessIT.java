package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may publish on a server that is not {@code herald.open} (the test servers verify HS256 tokens signed with
 * {@link Tokens#SECRET}): a valid token for the topic, nothing else. Refused publishes store nothing.
 */
class PublishAccessIT extends DeployedWar {

    private static final String ERROR = "\\{\"error\":\"%s\",\"detail\":\".+\"}";
    private static final Instant LATER = Instant.now().plus(Duration.ofHours(1));

    private HttpResponse<String> publish(String topic, Map<String, String> headers) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(headers);
        if (!all.containsKey("Authorization")) {
            all.put(Api.NO_TOKEN, "");
        }
        String body = topic == null ? "{\"data\":1}" : "{\"topic\":\"" + topic + "\",\"data\":1}";
        return api.post("api/events", "application/json", body.getBytes(StandardCharsets.UTF_8), all);
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    @Test
    void withoutCredentialsPublishingIsUnauthorized() throws Exception {
        HttpResponse<String> response = publish("orders", Map.of());

        assertEquals(401, response.statusCode(), response.body());
        assertTrue(response.body().matches(String.format(ERROR, "unauthorized")), response.body());
        assertEquals("Bearer realm=\"herald\"", response.headers().firstValue("WWW-Authenticate").orElse(null));
    }

    @Test
    void badTokensAreUnauthorizedWithTheReason() throws Exception {
        List<String> all = List.of("*");
        Map<String, String> tokens = Map.of(
                Tokens.signed(Tokens.SECRET, all, List.of(), null, Instant.now().minusSeconds(60), null), "expired",
                Tokens.signed(Tokens.SECRET, all, List.of(), null, LATER, Instant.now().plusSeconds(60)), "not valid yet",
                Tokens.signed("some-other-secret-some-other-secret-x", all, List.of(), null, LATER, null), "signature",
                unsigned(), "alg: none",
                "garbage", "not a JWT");
        for (Map.Entry<String, String> token : tokens.entrySet()) {
            HttpResponse<String> response = publish("orders", bearer(token.getKey()));
            assertEquals(401, response.statusCode(), token.getValue() + ": " + response.body());
            assertTrue(response.body().contains(token.getValue()), token.getValue() + ": " + response.body());
            assertEquals("Bearer realm=\"herald\", error=\"invalid_token\"",
                    response.headers().firstValue("WWW-Authenticate").orElse(null));
        }
    }

    @Test
    void aTokenGrantsItsTopicsOnly() throws Exception {
        String orders = Tokens.signed(Tokens.SECRET, List.of("orders/*", "news"), List.of(), "svc", LATER, null);

        assertEquals(202, publish("orders/eu/42", bearer(orders)).statusCode());
        assertEquals(202, publish("news", bearer(orders)).statusCode());
        for (String topic : new String[] {"orders", "newsletter", null}) {
            HttpResponse<String> refused = publish(topic, bearer(orders));
            assertEquals(403, refused.statusCode(), topic + ": " + refused.body());
            assertTrue(refused.body().matches(String.format(ERROR, "forbidden")), refused.body());
        }
        String everything = Tokens.signed(Tokens.SECRET, List.of("*"), List.of(), null, LATER, null);
        assertEquals(202, publish(null, bearer(everything)).statusCode());
    }

    @Test
    void aCookieNeverAuthorisesPublishing() throws Exception {
        HttpResponse<String> response = publish("orders", Map.of("Cookie", "herald_token=" + Tokens.publisher()));

        assertEquals(401, response.statusCode(), response.body());
    }

    @Test
    void aRefusedPublishStoresNothing() throws Exception {
        try (SseStream stream = api.stream("topic=guarded")) {
            stream.ready();
            assertEquals(401, publish("guarded", Map.of()).statusCode());
            assertEquals(403, publish("guarded", bearer(Tokens.signed(Tokens.SECRET, List.of("other"), List.of(),
                    null, LATER, null))).statusCode());
            String allowed = api.publish("guarded", "\"allowed\"");

            assertEquals(allowed, stream.next().id());
        }
    }

    /** A token with {@code alg: none}: the header says so and there is no signature. */
    private static String unsigned() {
        java.util.Base64.Encoder base64 = java.util.Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString("{\"herald\":{\"publish\":[\"*\"]}}".getBytes(StandardCharsets.UTF_8)) + ".";
    }
}
