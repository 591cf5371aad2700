package dev.herald.it;

import static dev.herald.it.KeycloakRealm.audienceMapper;
import static dev.herald.it.KeycloakRealm.jsonClaimMapper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * Herald verifying tokens that a real Keycloak issues: its keys found from the issuer, the audience checked, realm
 * roles {@code herald-publish:<pattern>} and {@code herald-subscribe:<pattern>} (or a hardcoded {@code herald}
 * claim) granting topics, a rotated key used without a restart, a provider that stops answering, and a user's
 * subject in presence and logout. Tomcat only: the Payara stage runs in a namespace that cannot reach Keycloak.
 * The realms are set up before Arquillian deploys the WAR, so Herald finds its issuer's keys from the start.
 */
@ExtendWith({KeycloakTomcatIT.Realms.class, ArquillianExtension.class})
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KeycloakTomcatIT {

    private static final String REALM = "herald-keycloak-it";
    private static final String OTHER_REALM = "herald-keycloak-it-other";
    private static final String AUDIENCE = "herald";
    private static final String PAGE = "herald-page";
    /** How often Herald fetches the keys in this WAR; a removed key stops verifying within it. */
    private static final int REFRESH_SECONDS = 30;
    /**
     * Each poll outlasts Herald's refresh plus its bound on fetches for unknown kids (10 s): a key removed just after
     * a refresh is dropped at the next, and a token naming it is then 503 for 10 s before Herald asks again.
     */
    private static final Duration POLL = Duration.ofSeconds(REFRESH_SECONDS + 10 + 50);
    private static final Duration PAUSE = Duration.ofSeconds(1);

    private static String skipped;
    private static KeycloakForTests keycloak;
    private static KeycloakRealm realm;
    private static KeycloakRealm otherRealm;
    private static String ada;
    private static String bob;

    @ArquillianResource
    private URL deployment;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ExecutorService readers;
    private Api api;

    /**
     * Waits for Keycloak and sets up the realms, before Arquillian deploys. Without Keycloak (no Java 21+, or
     * -Dit.keycloak.skip) it notes why, and each test is reported as skipped saying so.
     */
    static final class Realms implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            try {
                keycloak = KeycloakForTests.await();
            } catch (TestAbortedException missing) {
                skipped = missing.getMessage();
                return;
            }
            realm = keycloak.freshRealm(REALM);
            realm.roles("herald-publish:news/*", "herald-subscribe:news/*", "herald-publish:user/*",
                    "herald-publish:*", "herald-subscribe:*", "herald-subscribe:$presence", "herald-publish:$admin");
            realm.backend("backend", List.of(audienceMapper(AUDIENCE)),
                    "herald-publish:news/*", "herald-subscribe:news/*", "herald-publish:user/*");
            realm.backend("backend-claim", List.of(audienceMapper(AUDIENCE),
                    jsonClaimMapper("herald", "{\"publish\":[\"news/*\"],\"subscribe\":[\"news/*\"]}")));
            realm.backend("everything", List.of(audienceMapper(AUDIENCE)), "herald-publish:*", "herald-subscribe:*");
            realm.backend("watcher", List.of(audienceMapper(AUDIENCE)), "herald-subscribe:$presence");
            realm.backend("ops", List.of(audienceMapper(AUDIENCE)), "herald-publish:$admin");
            realm.backend("no-audience", List.of(), "herald-publish:news/*", "herald-subscribe:news/*");
            realm.browserClient(PAGE, List.of(audienceMapper(AUDIENCE)));
            ada = realm.user("ada");
            bob = realm.user("bob");

            otherRealm = keycloak.freshRealm(OTHER_REALM);
            otherRealm.roles("herald-publish:news/*");
            otherRealm.backend("backend", List.of(audienceMapper(AUDIENCE)), "herald-publish:news/*");
        }
    }

    @Deployment(testable = false)
    static WebArchive war() {
        Map<String, String> settings = new HashMap<>();
        settings.put("herald.jwt.secret", null);
        settings.put("herald.jwt.issuer", "http://127.0.0.1:" + Integer.getInteger("it.keycloak.port", 18280)
                + "/realms/" + REALM);
        settings.put("herald.jwt.audience", AUDIENCE);
        settings.put("herald.jwt.roles-claim", "realm_access.roles");
        // a removed key stops verifying within 30 s rather than the default 300; above Herald's 10 s between fetches
        // for unknown kids, or every refresh would hold that bound and an unknown kid would never be asked for
        settings.put("herald.jwt.jwks-refresh-seconds", Integer.toString(REFRESH_SECONDS));
        // news and sports private too, so that what a subscribe role grants is checked, not open to anyone
        settings.put("herald.topics.private", "user/*,news/*,sports/*");
        return BuiltWar.configured("keycloak", settings);
    }

    @BeforeEach
    void connect() {
        assumeTrue(skipped == null, skipped);
        readers = Executors.newCachedThreadPool();
        api = new Api(deployment, readers);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        if (readers == null) {
            return;
        }
        readers.shutdownNow();
        readers.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void aBackendPublishesToItsTopicsAndAUserListensToItsOwnTopic() throws Exception {
        String backend = realm.backendToken("backend");
        String user = realm.userToken(PAGE, "ada");
        HttpResponse<String> others = refused("topic=user/" + bob, user);
        assertEquals(403, others.statusCode(), "user/* is private: ada may not read bob's topic; " + others.body());
        try (SseStream news = stream("topic=news/a", backend);
                SseStream own = stream("topic=user/" + ada, user)) {
            assertEquals(200, news.status());
            assertEquals(200, own.status());
            news.ready();
            own.ready();

            assertEquals(202, publish("news/a", "\"headline\"", backend).statusCode());
            assertEquals(202, publish("user/" + ada, "{\"unread\":3}", backend).statusCode());

            assertEquals("\"headline\"", news.next().data());
            assertEquals("{\"unread\":3}", own.next().data());
        }
    }

    @Test
    void eachRoleGrantsExactlyItsPattern() throws Exception {
        String backend = realm.backendToken("backend");
        String everything = realm.backendToken("everything");

        assertEquals(202, publish("news/a", "1", backend).statusCode());
        assertEquals(403, publish("sports/a", "1", backend).statusCode());
        assertEquals(403, refused("topic=sports/a", backend).statusCode());
        assertEquals(403, refused("topic=$presence", backend).statusCode());
        try (SseStream news = stream("topic=news/a", backend)) {
            assertEquals(200, news.status());
        }
        assertEquals(202, publish("sports/a", "1", everything).statusCode());
        assertEquals(403, refused("topic=$presence", everything).statusCode(), "* never covers a $ name");
        HttpResponse<String> clients = api.get("api/clients", bearer(everything));
        assertEquals(403, clients.statusCode(), "* does not cover $presence, nor the client list: " + clients.body());
        HttpResponse<String> logout = api.delete("api/clients?sub=" + bob, everything);
        assertEquals(403, logout.statusCode(), "nor $admin: " + logout.body());
    }

    @Test
    void aHardcodedHeraldClaimGrantsAsRolesDo() throws Exception {
        String claim = realm.backendToken("backend-claim");

        assertEquals(202, publish("news/a", "1", claim).statusCode());
        assertEquals(403, publish("sports/a", "1", claim).statusCode());
        assertEquals(403, refused("topic=sports/b", claim).statusCode());
        try (SseStream news = stream("topic=news/b", claim)) {
            assertEquals(200, news.status());
        }
    }

    @Test
    void aTokenForAnotherAudienceIsUnauthorized() throws Exception {
        HttpResponse<String> refused = publish("news/a", "1", realm.backendToken("no-audience"));

        assertEquals(401, refused.statusCode(), refused.body());
    }

    @Test
    void aTokenFromAnotherRealmIsUnauthorized() throws Exception {
        // its kid is one Herald does not hold: within 10 s of Herald's last fetch that is 503 keys_unavailable (the
        // key might be new), after it Herald asks Keycloak again, and the realm it trusts has no such key
        HttpResponse<String> refused = publishUntil(s -> s != 503, "news/a", otherRealm.backendToken("backend"));

        assertEquals(401, refused.statusCode(), refused.body());
    }

    @Test
    void aRotatedKeyIsUsedWithoutARestartAndTheOldOneUntilItIsRemoved() throws Exception {
        String old = realm.backendToken("backend");
        assertEquals(202, publish("news/a", "\"old\"", old).statusCode());

        String newKid = realm.rotateKey("rotated-" + System.nanoTime());
        String fresh = realm.backendToken("backend");
        assertEquals(newKid, KeycloakRealm.kid(fresh));
        assertNotEquals(KeycloakRealm.kid(old), newKid);

        // a kid Herald does not hold makes it fetch the keys again, at most once per 10 s: until then 503
        HttpResponse<String> accepted = publishUntil(s -> s != 503, "news/a", fresh);
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertEquals(202, publish("news/a", "\"old\"", old).statusCode(), "the old key is still published");

        realm.removeKey(KeycloakRealm.kid(old));

        // Herald drops the old key at its next refresh, then holds the token's kid for unknown (503), and its next
        // fetch for that kid, 10 s later, finds that Keycloak has no such key
        HttpResponse<String> refused = publishUntil(s -> s == 401 || s == 403, "news/a", old);
        assertEquals(401, refused.statusCode(), refused.body());
        assertEquals(202, publish("news/a", "\"new\"", fresh).statusCode());
    }

    @Test
    void whileKeycloakDoesNotAnswerANewKidIsUnavailableAndPassesOnceItIsBack() throws Exception {
        String fresh = null;
        HttpResponse<String> whileDown = null;
        // Herald may fetch the keys on its own schedule just between the new key's first token and the freeze; then
        // it holds the new kid already, and the round is tried again with another key (at most 3 rounds)
        for (int round = 0; round < 3 && whileDown == null; round++) {
            realm.rotateKey("frozen-" + System.nanoTime());
            fresh = realm.backendToken("backend");
            try (KeycloakForTests.Frozen frozen = keycloak.freeze()) {
                whileDown = refusedUntilKeysDown(fresh);
            }
        }
        assertNotNull(whileDown, "Herald held every new key before Keycloak was frozen, 3 times");
        assertEquals("keys_unavailable", error(whileDown), whileDown.body());
        assertTrue(whileDown.headers().firstValue("Retry-After").isPresent(), "Retry-After");

        HttpResponse<String> accepted = publishUntil(s -> s != 503, "news/a", fresh);
        assertEquals(202, accepted.statusCode(), accepted.body());
    }

    /**
     * While Keycloak is frozen: publishes with {@code token} (whose kid Herald does not hold) until Herald has tried
     * to fetch the keys and failed, as readiness says ({@code "keys": {"status": "DOWN"}}, still 200); that last
     * answer. Null when the token was accepted: Herald had fetched its key before the freeze.
     */
    private HttpResponse<String> refusedUntilKeysDown(String token) throws Exception {
        long deadline = System.nanoTime() + POLL.toNanos();
        while (true) {
            HttpResponse<String> response = publish("news/a", "\"while down\"", token);
            if (response.statusCode() == 202) {
                return null;
            }
            assertEquals(503, response.statusCode(), response.body());
            HttpResponse<String> ready = api.get("api/health/ready", Map.of());
            assertEquals(200, ready.statusCode(), "no keys is no reason to send streams elsewhere: " + ready.body());
            if ("DOWN".equals(KeycloakForTests.JSON.readTree(ready.body()).at("/keys/status").asText())) {
                return response;
            }
            assertTrue(System.nanoTime() < deadline, "readiness never said the keys were DOWN: " + ready.body());
            Thread.sleep(PAUSE.toMillis());
        }
    }

    @Test
    void presenceShowsTheUsersSubjectAndTheClientListNamesIt() throws Exception {
        String watcher = realm.backendToken("watcher");
        try (SseStream presence = stream("topic=$presence", watcher)) {
            assertEquals(200, presence.status());
            presence.ready();
            try (SseStream own = stream("topic=user/" + ada, realm.userToken(PAGE, "ada"))) {
                own.ready();

                JsonNode join = KeycloakForTests.JSON.readTree(presence.await(e -> e.type().equals("join")
                        && e.data().contains(ada)).data());
                assertEquals(ada, join.get("sub").asText());

                HttpResponse<String> clients = api.get("api/clients", bearer(watcher));
                assertEquals(200, clients.statusCode(), clients.body());
                boolean listed = false;
                for (JsonNode client : KeycloakForTests.JSON.readTree(clients.body())) {
                    listed |= ada.equals(client.path("sub").asText());
                }
                assertTrue(listed, clients.body());
            }
        }
    }

    @Test
    void loggingAUserOutEndsItsStreamsAndRefusesNewOnesForAWhile() throws Exception {
        String user = realm.userToken(PAGE, "bob");
        try (SseStream own = stream("topic=user/" + bob, user)) {
            own.ready();

            HttpResponse<String> ended = api.delete("api/clients?sub=" + bob + "&for=30", realm.backendToken("ops"));

            assertEquals(200, ended.statusCode(), ended.body());
            assertTrue(KeycloakForTests.JSON.readTree(ended.body()).get("ended").asInt() >= 1, ended.body());
            own.awaitEnd();
        }
        HttpResponse<String> again = refused("topic=user/" + bob, user);
        assertEquals(403, again.statusCode(), again.body());
        assertEquals("subject_blocked", error(again), again.body());
    }

    private SseStream stream(String query, String token) throws Exception {
        return api.stream(query, bearer(token));
    }

    /**
     * A stream request expected to be refused, with the body of the refusal; a stream that opens instead is closed
     * at once (its body never ends) and reads as {@code (a stream)}.
     */
    private HttpResponse<String> refused(String query, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(api.uri("api/events?" + query)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).build();
        HttpResponse<String> response = http.send(request, head -> head.statusCode() == 200
                ? HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(), KeycloakTomcatIT::closed)
                : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8));
        // a stream's body was not read (its events are checked where streams are read): its status and headers are
        return ApiDescription.checked(response);
    }

    private static String closed(InputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "(a stream)";
    }

    private HttpResponse<String> publish(String topic, String data, String token) throws Exception {
        return api.post("api/events", "application/json",
                ("{\"topic\":\"" + topic + "\",\"data\":" + data + "}").getBytes(StandardCharsets.UTF_8), bearer(token));
    }

    /** Publishes until the status is {@code done}, once a second, for at most {@link #POLL}; the last answer. */
    private HttpResponse<String> publishUntil(IntPredicate done, String topic, String token) throws Exception {
        long deadline = System.nanoTime() + POLL.toNanos();
        HttpResponse<String> response = publish(topic, "\"poll\"", token);
        while (!done.test(response.statusCode()) && System.nanoTime() < deadline) {
            Thread.sleep(PAUSE.toMillis());
            response = publish(topic, "\"poll\"", token);
        }
        return response;
    }

    private static String error(HttpResponse<String> response) throws Exception {
        return KeycloakForTests.JSON.readTree(response.body()).path("error").asText();
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }
}
