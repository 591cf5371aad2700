package dev.herald.it;

import static dev.herald.it.KeycloakRealm.audienceMapper;
import static dev.herald.it.KeycloakRealm.jsonClaimMapper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URL;
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
    /** Herald's bound on how often an unknown kid makes it fetch the keys again; the polls below outlast it. */
    private static final Duration REFETCH = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofSeconds(60);

    private static KeycloakForTests keycloak;
    private static KeycloakRealm realm;
    private static KeycloakRealm otherRealm;
    private static String ada;
    private static String bob;

    @ArquillianResource
    private URL deployment;
    private ExecutorService readers;
    private Api api;

    /** Waits for Keycloak (or skips without Java 21+) and sets up the realms, before Arquillian deploys. */
    static final class Realms implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            keycloak = KeycloakForTests.await();
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
        // the floor: a removed key stops verifying within 10 s rather than the default 300
        settings.put("herald.jwt.jwks-refresh-seconds", "10");
        settings.put("herald.topics.private", "user/*");
        return BuiltWar.configured("keycloak", settings);
    }

    @BeforeEach
    void connect() {
        readers = Executors.newCachedThreadPool();
        api = new Api(deployment, readers);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
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
        assertEquals(202, publish("sports/a", "1", everything).statusCode());
        assertEquals(403, refused("topic=$presence", everything).statusCode(), "* never covers a $ name");
        HttpResponse<String> clients = api.get("api/clients", bearer(everything));
        assertEquals(403, clients.statusCode(), "* does not cover $presence, nor the client list: " + clients.body());
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
        HttpResponse<String> refused = publish("news/a", "1", otherRealm.backendToken("backend"));

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

        // a kid Herald has not seen makes it fetch the keys again (at most once per 10 s, hence a poll)
        assertEquals(202, publishUntil(s -> s != 503, "news/a", fresh).statusCode());
        assertEquals(202, publish("news/a", "\"old\"", old).statusCode(), "the old key is still published");

        realm.removeKey(KeycloakRealm.kid(old));

        // Herald drops the old key at its next refresh (herald.jwt.jwks-refresh-seconds, 10 here)
        HttpResponse<String> refused = publishUntil(s -> s == 401, "news/a", old);
        assertEquals(401, refused.statusCode(), refused.body());
        assertEquals(202, publish("news/a", "\"new\"", fresh).statusCode());
    }

    @Test
    void whileKeycloakDoesNotAnswerANewKidIsUnavailableAndPassesOnceItIsBack() throws Exception {
        String fresh = null;
        HttpResponse<String> unavailable = null;
        // Herald may fetch the keys on its own refresh just between the key's creation and the freeze; then the new
        // kid is known already, and the round is tried again with another key (at most 3 rounds)
        for (int round = 0; round < 3 && (unavailable == null || unavailable.statusCode() != 503); round++) {
            realm.rotateKey("frozen-" + System.nanoTime());
            fresh = realm.backendToken("backend");
            try (KeycloakForTests.Frozen frozen = keycloak.freeze()) {
                unavailable = publish("news/a", "\"while down\"", fresh);
                if (unavailable.statusCode() == 503) {
                    assertEquals("keys_unavailable", error(unavailable), unavailable.body());
                    assertTrue(unavailable.headers().firstValue("Retry-After").isPresent(), "Retry-After");
                    HttpResponse<String> ready = api.get("api/health/ready", Map.of());
                    assertEquals(200, ready.statusCode(), "no keys is no reason to take streams elsewhere");
                    assertEquals("DOWN", KeycloakForTests.JSON.readTree(ready.body()).at("/keys/status").asText(),
                            ready.body());
                }
            }
        }
        assertEquals(503, unavailable.statusCode(), unavailable.body());

        HttpResponse<String> accepted = publishUntil(s -> s == 202, "news/a", fresh);
        assertEquals(202, accepted.statusCode(), accepted.body());
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

    /** A stream request that is expected to be refused, so that its answer has a body to read. */
    private HttpResponse<String> refused(String query, String token) throws Exception {
        return api.get("api/events?" + query, bearer(token));
    }

    private HttpResponse<String> publish(String topic, String data, String token) throws Exception {
        return api.post("api/events", "application/json",
                ("{\"topic\":\"" + topic + "\",\"data\":" + data + "}").getBytes(StandardCharsets.UTF_8), bearer(token));
    }

    /**
     * Publishes until the status is {@code done}, once a second, for at most {@link #POLL} (a multiple of Herald's
     * refetch bound, {@link #REFETCH}); the last answer.
     */
    private HttpResponse<String> publishUntil(IntPredicate done, String topic, String token) throws Exception {
        long deadline = System.nanoTime() + POLL.toNanos();
        HttpResponse<String> response = publish(topic, "\"poll\"", token);
        while (!done.test(response.statusCode()) && System.nanoTime() < deadline) {
            Thread.sleep(REFETCH.toMillis() / 10);
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
