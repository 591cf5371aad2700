package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may listen, on a server that is not {@code herald.open}: public topics need nothing, private ones
 * ({@code herald.topics.private}, {@code user/*} by default) and {@code $presence} need a token that grants them,
 * a token's subject may always have {@code user/<sub>}, and a stream ends when its token expires.
 */
class ListenAccessIT extends DeployedWar {

    private static final Instant LATER = Instant.now().plus(Duration.ofHours(1));

    private static String token(String subject, String... subscribe) {
        return Tokens.signed(Tokens.SECRET, List.of(), List.of(subscribe), subject, LATER, null);
    }

    /** A refused stream answers at once, so a plain GET shows its status. */
    private HttpResponse<String> refused(String query, Map<String, String> headers) throws Exception {
        return api.get("api/events?" + query, headers);
    }

    private SseStream open(String query, String token) throws Exception {
        return api.stream(query, token == null ? Map.of(Api.NO_TOKEN, "") : Map.of("Authorization", "Bearer " + token));
    }

    @Test
    void publicTopicsNeedNoToken() throws Exception {
        try (SseStream stream = open("topic=news", null)) {
            assertEquals(200, stream.status());
            assertEquals("ready", stream.ready().type());
        }
    }

    @Test
    void aUsersOwnTopicIsPrivateToItsSubject() throws Exception {
        HttpResponse<String> anonymous = refused("topic=user/alice", Map.of());
        HttpResponse<String> bob = refused("topic=user/alice", Map.of("Authorization", "Bearer " + token("bob")));

        assertEquals(401, anonymous.statusCode(), anonymous.body());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").isPresent());
        assertEquals(403, bob.statusCode(), bob.body());
        try (SseStream alice = open("topic=user/alice", token("alice"));
                SseStream support = open("topic=user/alice", token("support", "user/*"))) {
            alice.ready();
            support.ready();
            String id = api.publish("user/alice", "{\"unread\":3}");

            assertEquals(id, alice.next().id());
            assertEquals(id, support.next().id());
        }
    }

    @Test
    void presenceAndTheClientListNeedAGrant() throws Exception {
        assertEquals(401, refused("topic=$presence", Map.of()).statusCode());
        assertEquals(403, refused("topic=$presence", Map.of("Authorization", "Bearer " + token(null, "orders")))
                .statusCode());
        assertEquals(401, api.get("api/clients", Map.of()).statusCode());
        assertEquals(403, api.get("api/clients", Map.of("Authorization", "Bearer " + token(null, "news"))).statusCode());
        assertEquals(200, api.get("api/clients", Map.of("Authorization", "Bearer " + token(null, "$presence")))
                .statusCode());
        try (SseStream watcher = open("topic=$presence", token(null, "$presence"))) {
            assertEquals("ready", watcher.ready().type());
        }
    }

    @Test
    void theTokenMayComeAsACookieOrAQueryParameter() throws Exception {
        String alice = token("alice");
        try (SseStream byCookie = api.stream("topic=user/alice", Map.of(Api.NO_TOKEN, "", "Cookie", "herald_token=" + alice));
                SseStream byQuery = api.stream("topic=user/alice&access_token="
                        + URLEncoder.encode(alice, StandardCharsets.UTF_8), Map.of(Api.NO_TOKEN, ""))) {
            assertEquals(200, byCookie.status());
            assertEquals(200, byQuery.status());
            byCookie.ready();
            byQuery.ready();
        }
    }

    @Test
    void aBadTokenIsUnauthorizedEvenForAPublicTopic() throws Exception {
        String expired = Tokens.signed(Tokens.SECRET, List.of(), List.of("*"), null, Instant.now().minusSeconds(60), null);

        HttpResponse<String> response = refused("topic=news", Map.of("Authorization", "Bearer " + expired));

        assertEquals(401, response.statusCode(), response.body());
        assertTrue(response.body().contains("expired"), response.body());
    }

    @Test
    void welcomeSaysWhenTheTokenExpiresAndAStreamWithoutOneHasNoExpiry() throws Exception {
        Instant exp = Instant.ofEpochSecond(Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond());
        String dave = Tokens.signed(Tokens.SECRET, List.of(), List.of(), "dave", exp, null);
        try (SseStream withToken = open("topic=user/dave", dave);
                SseStream anonymous = open("topic=news", null)) {
            String expiring = withToken.next().data(); // welcome: the first event
            String anonymousWelcome = anonymous.next().data();

            assertTrue(expiring.endsWith(",\"expiresAt\":" + exp.toEpochMilli() + "}"), expiring);
            assertFalse(anonymousWelcome.contains("expiresAt"), anonymousWelcome);
        }
    }

    @Test
    void aStreamEndsWhenItsTokenExpires() throws Exception {
        String shortLived = Tokens.signed(Tokens.SECRET, List.of(), List.of(), "carol", Instant.now().plusSeconds(3), null);
        try (SseStream stream = open("topic=user/carol", shortLived)) {
            stream.ready();

            stream.awaitEnd();
        }
    }
}
