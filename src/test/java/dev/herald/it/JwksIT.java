package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.herald.auth.JwksServer;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tokens from an identity provider: a JWKS server in this JVM on 127.0.0.1 (which Tomcat and Payara reach), its
 * JWKS URI discovered from the issuer, and roles at {@code realm_access.roles} as grants. Rotation, a wrong
 * audience, and a provider that stops: {@code 503 keys_unavailable} and readiness still 200, then accepted again.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JwksIT {

    static final String JWKS = "jwks";
    /** Past the 10 s refetch floor, with room for a slow machine; every wait below is a poll that ends by itself. */
    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static JwksServer provider;

    @ArquillianResource
    @OperateOnDeployment(JWKS)
    private URL herald;

    private ExecutorService readers;
    private Api api;

    @Deployment(name = JWKS, testable = false)
    static WebArchive war() {
        provider = JwksServer.start();
        return BuiltWar.verifyingWith(JWKS, provider, false);
    }

    @AfterAll
    static void stopProvider() {
        if (provider != null) {
            provider.close();
        }
    }

    @BeforeEach
    void connect() {
        readers = Executors.newCachedThreadPool();
        api = new Api(herald, readers);
    }

    @AfterEach
    void disconnect() {
        readers.shutdownNow();
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private HttpResponse<String> publish(String token, String topic) throws Exception {
        return api.post("api/events", "application/json",
                ("{\"topic\":\"" + topic + "\",\"data\":1}").getBytes(StandardCharsets.UTF_8), bearer(token));
    }

    /** Publishes until Herald has the key (it fetches it at most once per 10 s), then returns the answer. */
    private HttpResponse<String> publishOnceKeysAreThere(String token, String topic) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        HttpResponse<String> response = publish(token, topic);
        while (response.statusCode() == 503 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
            response = publish(token, topic);
        }
        return response;
    }

    @Test
    void rolesGrantWhatTheyNameAndAWrongAudienceIs401() throws Exception {
        String token = provider.sign("rsa-1", JWSAlgorithm.RS256, provider.claimsWithRoles(
                "herald-subscribe:orders/*", "herald-publish:orders/*", "offline_access").build());

        assertEquals(202, publishOnceKeysAreThere(token, "orders/1").statusCode());
        try (SseStream stream = api.stream("topic=orders/2", bearer(token))) {
            assertEquals(200, stream.status());
            stream.ready();
            HttpResponse<String> published = publish(token, "orders/2");
            assertEquals(202, published.statusCode(), published.body());
            assertEquals("1", stream.next().data());
        }
        HttpResponse<String> elsewhere = publish(token, "news");
        assertEquals(403, elsewhere.statusCode(), elsewhere.body());
        assertEquals(403, api.get("api/events?topic=$presence", bearer(token)).statusCode(),
                "herald-subscribe:orders/* does not cover $presence");

        String otherApp = provider.sign("ec-1", JWSAlgorithm.ES256,
                provider.claimsWithRoles("herald-publish:orders/*").audience("another-app").build());
        HttpResponse<String> refused = publish(otherApp, "orders/1");
        assertEquals(401, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("aud"), refused.body());
    }

    @Test
    void rotatedKeysAreFetchedAndAStoppedProviderIs503UntilItComesBack() throws Exception {
        JWTClaimsSet claims = provider.claimsWithRoles("herald-publish:rotation").build();
        provider.publish(provider.rsa("rsa-2"));
        HttpResponse<String> rotated = publishOnceKeysAreThere(
                provider.sign("rsa-2", JWSAlgorithm.PS256, claims), "rotation");
        assertEquals(202, rotated.statusCode(), rotated.body());

        provider.stop();
        try {
            provider.rsa("rsa-3");
            // issued now, with a key newer than Herald's last fetch (an older token's unknown kid is a 401 at once)
            String unknown = provider.sign("rsa-3", JWSAlgorithm.RS256,
                    provider.claimsWithRoles("herald-publish:rotation").build());
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            HttpResponse<String> ready;
            HttpResponse<String> refused;
            do {
                refused = publish(unknown, "rotation");
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("\"error\":\"keys_unavailable\""), refused.body());
                long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
                assertTrue(retryAfter >= 1 && retryAfter <= 10, "Retry-After " + retryAfter);
                ready = api.get("api/health/ready", Map.of());
                assertEquals(200, ready.statusCode(), ready.body());
                if (!ready.body().contains("\"keys\":{\"status\":\"DOWN\"")) {
                    LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
                }
            } while (!ready.body().contains("\"keys\":{\"status\":\"DOWN\"") && System.nanoTime() < deadline);
            assertTrue(ready.body().contains("\"keys\":{\"status\":\"DOWN\""), ready.body());
            assertEquals(202, publish(provider.sign("rsa-1", JWSAlgorithm.RS256, claims), "rotation").statusCode(),
                    "the keys fetched before stay in use");
        } finally {
            provider.restart();
        }
        provider.publish(provider.rsa("rsa-3"));
        // rsa() made a new key under the same kid; sign with the one published
        HttpResponse<String> back = publishOnceKeysAreThere(provider.sign("rsa-3", JWSAlgorithm.RS256,
                provider.claimsWithRoles("herald-publish:rotation").build()), "rotation");
        assertEquals(202, back.statusCode(), back.body());
        assertTrue(api.get("api/health/ready", Map.of()).body().contains("\"keys\":{\"status\":\"UP\""));
    }
}
