package dev.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.MovableClock;
import dev.herald.config.HeraldConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens from an identity provider, verified against a real JWKS served over HTTP on 127.0.0.1. */
class ProviderTokensTest {

    private JwksServer provider;
    private final MovableClock clock = new MovableClock();

    @BeforeEach
    void startProvider() {
        provider = JwksServer.start();
    }

    @AfterEach
    void stopProvider() {
        provider.close();
    }

    private HeraldConfig config(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(HeraldConfig.JWT_JWKS_URI, provider.jwksUri(),
                HeraldConfig.JWT_ISSUER, provider.issuer(), HeraldConfig.JWT_AUDIENCE, JwksServer.AUDIENCE,
                HeraldConfig.JWT_ROLES_CLAIM, "realm_access.roles"));
        settings.putAll(extra);
        settings.values().removeIf(value -> value == null || value.isEmpty());
        return HeraldConfig.read(settings::get);
    }

    private ProviderKeys keys(HeraldConfig config) {
        return new ProviderKeys(new KeyFetcher(config.jwt().jwksUri(), config.jwt().issuer()), clock,
                Duration.ofSeconds(config.jwt().jwksRefreshSeconds()));
    }

    private TokenVerifier verifier() {
        HeraldConfig config = config(Map.of());
        return TokenVerifier.of(config, keys(config));
    }

    private String rs256(JWTClaimsSet claims) {
        return provider.sign("rsa-1", JWSAlgorithm.RS256, claims);
    }

    @Test
    void acceptsRsaPssAndEcTokensOfTheProvider() throws Exception {
        TokenVerifier verifier = verifier();
        JWTClaimsSet claims = provider.claimsWithRoles("herald-publish:orders/*").build();

        for (JWSAlgorithm algorithm : List.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512)) {
            assertTrue(verifier.verify(provider.sign("rsa-1", algorithm, claims)).mayPublish("orders/1"),
                    algorithm.getName());
        }
        assertTrue(verifier.verify(provider.sign("ec-1", JWSAlgorithm.ES256, claims)).mayPublish("orders/1"));
        assertTrue(verifier.verify(provider.sign("rsa-1", JWSAlgorithm.RS256, null, claims)).mayPublish("orders/1"),
                "a token without kid is checked with the keys of its algorithm");
        assertEquals(1, provider.jwksRequests());
    }

    @Test
    void aKeyAddedByRotationIsFetchedAndTheOldKeyWorksUntilRemoved() throws Exception {
        TokenVerifier verifier = verifier();
        JWTClaimsSet old = issuedNow();
        verifier.verify(rs256(old));
        provider.publish(provider.rsa("rsa-2"));
        clock.move(ProviderKeys.REFETCH_FLOOR);

        verifier.verify(provider.sign("rsa-2", JWSAlgorithm.RS256, issuedNow()));
        verifier.verify(rs256(old));
        assertEquals(2, provider.jwksRequests());

        provider.unpublish("rsa-1");
        clock.move(ProviderKeys.REFETCH_FLOOR);
        provider.publish(provider.rsa("rsa-3"));
        JWTClaimsSet fresh = issuedNow();
        verifier.verify(provider.sign("rsa-3", JWSAlgorithm.RS256, fresh));
        assertEquals(3, provider.jwksRequests());
        InvalidTokenException removed = assertThrows(InvalidTokenException.class, () -> verifier.verify(rs256(old)),
                "issued before the last fetch, which lacked its key: removed, a 401 at once");
        assertTrue(removed.getMessage().contains("kid 'rsa-1'"), removed.getMessage());
        assertThrows(KeysUnavailableException.class, () -> verifier.verify(rs256(fresh)),
                "issued since the last fetch, under 10 s ago: its key may be newer than the fetch, so not a 401 yet");
        assertEquals(3, provider.jwksRequests(), "neither made a fetch");
    }

    @Test
    void aTokenOfAnotherIssuerIsRefusedBeforeAnyKeyIsLookedFor() throws Exception {
        TokenVerifier verifier = verifier();
        verifier.verify(rs256(issuedNow()));
        clock.move(ProviderKeys.REFETCH_FLOOR);

        InvalidTokenException refused = assertThrows(InvalidTokenException.class, () -> verifier.verify(
                provider.sign("rsa-1", JWSAlgorithm.RS256, "another-realms-key",
                        provider.claims().issuer("http://127.0.0.1:1/realms/other").build())));
        assertTrue(refused.getMessage().contains("iss"), refused.getMessage());
        assertEquals(1, provider.jwksRequests(), "another realm's kid makes no fetch");
    }

    /** Claims issued at the test clock's now: Herald compares {@code iat} with the time it fetched the keys. */
    private JWTClaimsSet issuedNow() {
        return provider.claims().issueTime(java.util.Date.from(clock.instant())).build();
    }

    @Test
    void fiftyForgedKidsMakeOneFetchAndNeverA401() throws Exception {
        TokenVerifier verifier = verifier();
        JWTClaimsSet claims = provider.claims().build();
        verifier.verify(rs256(claims));
        clock.move(ProviderKeys.REFETCH_FLOOR);
        int before = provider.jwksRequests();
        // issued now, after the last fetch: their kids might be new keys, so each may be worth a look-up
        JWTClaimsSet fresh = provider.claims().issueTime(java.util.Date.from(clock.instant())).build();

        int refused = 0;
        int unavailable = 0;
        for (int i = 0; i < 50; i++) {
            String forged = provider.sign("rsa-1", JWSAlgorithm.RS256, "forged-" + i, fresh);
            try {
                verifier.verify(forged);
            } catch (InvalidTokenException e) {
                refused++;
            } catch (KeysUnavailableException e) {
                unavailable++;
                assertTrue(e.retryAfterSeconds() >= 1 && e.retryAfterSeconds() <= 10, e.getMessage());
            }
        }

        assertEquals(before + 1, provider.jwksRequests());
        assertEquals(1, refused, "the first forged kid, looked up and not found");
        assertEquals(49, unavailable, "asked again within 10 s: may be valid, so 503");
        clock.move(Duration.ofSeconds(4));
        KeysUnavailableException later = assertThrows(KeysUnavailableException.class,
                () -> verifier.verify(provider.sign("rsa-1", JWSAlgorithm.RS256, "forged-x", fresh)));
        assertEquals(6, later.retryAfterSeconds());
        assertTrue(verifier.verify(rs256(claims)).subject().equals("alice"), "known keys keep working");
    }

    @Test
    void concurrentRequestsWithUnknownKidsShareOneFetch() throws Exception {
        TokenVerifier verifier = verifier();
        JWTClaimsSet claims = provider.claims().build();
        verifier.verify(rs256(claims));
        provider.publish(provider.rsa("rsa-2"));
        clock.move(ProviderKeys.REFETCH_FLOOR);
        int before = provider.jwksRequests();
        String rotated = provider.sign("rsa-2", JWSAlgorithm.RS256, claims);

        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(20);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Grants>> answers = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return verifier.verify(rotated);
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<Grants> answer : answers) {
                // each either found the key after the one fetch, or waited for it: none was told to come back
                assertEquals("alice", answer.get(30, java.util.concurrent.TimeUnit.SECONDS).subject());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(before + 1, provider.jwksRequests());
    }

    @Test
    void aProviderDownAtStartIs503WithRetryAfterThenTokensPassOnceItAnswers() throws Exception {
        provider.down();
        HeraldConfig config = config(Map.of());
        ProviderKeys keys = keys(config);
        TokenVerifier verifier = TokenVerifier.of(config, keys);
        String token = rs256(provider.claims().build());

        KeysUnavailableException down = assertThrows(KeysUnavailableException.class, () -> verifier.verify(token));
        assertEquals(10, down.retryAfterSeconds());
        assertTrue(down.getMessage().contains("503"), down.getMessage());
        assertInstanceOf(ProviderKeys.Down.class, keys.state());
        assertEquals("DOWN", keys.health().get("status"));
        clock.move(Duration.ofSeconds(3));
        assertEquals(7, assertThrows(KeysUnavailableException.class, () -> verifier.verify(token)).retryAfterSeconds());
        assertEquals(1, provider.jwksRequests(), "no fetch within the floor");

        provider.up();
        clock.move(Duration.ofSeconds(7));
        assertEquals("alice", verifier.verify(token).subject());
        assertEquals("UP", keys.health().get("status"));
    }

    @Test
    void keysHeldStayInUseWhileTheProviderIsDown() throws Exception {
        HeraldConfig config = config(Map.of());
        ProviderKeys keys = keys(config);
        TokenVerifier verifier = TokenVerifier.of(config, keys);
        JWTClaimsSet claims = provider.claims().build();
        verifier.verify(rs256(claims));
        provider.down();
        clock.move(ProviderKeys.REFETCH_FLOOR);

        assertThrows(KeysUnavailableException.class,
                () -> verifier.verify(provider.sign("rsa-1", JWSAlgorithm.RS256, "new-kid", claims)));
        assertEquals("alice", verifier.verify(rs256(claims)).subject());
        ProviderKeys.Down down = assertInstanceOf(ProviderKeys.Down.class, keys.state());
        assertEquals(2, down.keys().size());
        assertTrue(down.reason().contains("503"), down.reason());
    }

    @Test
    void theJwksUriIsDiscoveredFromTheIssuer() throws Exception {
        HeraldConfig config = config(Map.of(HeraldConfig.JWT_JWKS_URI, ""));
        TokenVerifier verifier = TokenVerifier.of(config, keys(config));

        assertEquals("alice", verifier.verify(rs256(provider.claims().build())).subject());
        clock.move(ProviderKeys.REFETCH_FLOOR);
        assertThrows(InvalidTokenException.class,
                () -> verifier.verify(provider.sign("rsa-1", JWSAlgorithm.RS256, "other", provider.claims().build())));
        assertEquals(1, provider.discoveryRequests(), "the discovered jwks_uri is remembered");
        assertEquals(2, provider.jwksRequests());
    }

    @Test
    void discoveryRefusesADocumentOfAnotherIssuer() {
        HeraldConfig config = config(Map.of(HeraldConfig.JWT_JWKS_URI, "",
                HeraldConfig.JWT_ISSUER, provider.issuer().replace("127.0.0.1", "localhost")));
        ProviderKeys keys = keys(config);
        TokenVerifier verifier = TokenVerifier.of(config, keys);

        assertThrows(KeysUnavailableException.class, () -> verifier.verify(rs256(provider.claims()
                .issuer(config.jwt().issuer()).build())));
        ProviderKeys.Down down = assertInstanceOf(ProviderKeys.Down.class, keys.state());
        assertTrue(down.reason().contains("names the issuer"), down.reason());
        assertEquals(0, provider.jwksRequests());
    }

    @Test
    void wrongIssuerOrAudienceAndClaimsOfTheWrongTypeAre401SayingWhich() {
        TokenVerifier verifier = verifier();
        Map<JWTClaimsSet, String> refused = new java.util.LinkedHashMap<>();
        refused.put(provider.claims().issuer("https://evil.example.com").build(), "iss");
        refused.put(provider.claims().audience("another-app").build(), "aud does not include");
        refused.put(provider.claims().audience((String) null).build(), "no aud");
        refused.put(provider.claims().claim("aud", 42).build(), "aud");
        refused.put(provider.claims().claim("aud", List.of("herald-tests", 1)).build(), "aud");
        refused.put(provider.claims().claim("herald", "everything").build(), "claim 'herald'");
        refused.put(provider.claims().claim("herald", Map.of("publish", "*")).build(), "claim 'herald'");
        refused.put(provider.claims().claim("herald", Map.of("publish", List.of(7))).build(), "claim 'herald'");
        refused.put(provider.claims().claim("realm_access", Map.of("roles", "herald-publish:*")).build(),
                "realm_access.roles");
        refused.put(provider.claims().claim("realm_access", Map.of("roles", List.of(Map.of()))).build(),
                "realm_access.roles");
        refused.put(provider.claims().claim("realm_access", List.of("x")).build(), "realm_access.roles");
        refused.put(provider.claims().claim("sub", 12).build(), "sub");
        refused.put(provider.claims().claim("exp", "tomorrow").build(), "exp");
        refused.forEach((claims, reason) -> {
            InvalidTokenException e = assertThrows(InvalidTokenException.class, () -> verifier.verify(rs256(claims)),
                    reason);
            assertTrue(e.getMessage().contains(reason), reason + ": " + e.getMessage());
        });
    }

    @Test
    void unsignedHmacWithThePublicKeyAndOversizedTokensAre401WithoutAFetch() throws Exception {
        TokenVerifier verifier = verifier();
        JWTClaimsSet claims = provider.claims().claim("herald", Map.of("publish", List.of("*"))).build();
        verifier.verify(rs256(claims));
        int fetches = provider.jwksRequests();

        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims);
        confused.sign(new MACSigner(provider.publicKeyBytes("rsa-1")));
        InvalidTokenException hmac = assertThrows(InvalidTokenException.class,
                () -> verifier.verify(confused.serialize()));
        assertTrue(hmac.getMessage().contains("HS256"), hmac.getMessage());
        assertThrows(InvalidTokenException.class, () -> verifier.verify(new PlainJWT(claims).serialize()));
        String signed = rs256(claims);
        String unsignedButSaysRs256 = signed.substring(0, signed.lastIndexOf('.') + 1);
        assertThrows(InvalidTokenException.class, () -> verifier.verify(unsignedButSaysRs256));
        String huge = signed + Base64URL.encode(new byte[100 * 1024]);
        InvalidTokenException tooLong = assertThrows(InvalidTokenException.class, () -> verifier.verify(huge));
        assertTrue(tooLong.getMessage().contains("longer than"), tooLong.getMessage());
        assertEquals(fetches, provider.jwksRequests());
    }

    @Test
    void rolesGrantExactlyTheirPatterns() throws Exception {
        Grants grants = verifier().verify(rs256(provider.claimsWithRoles("herald-publish:orders/*",
                "herald-subscribe:user/bob", "herald-subscribe:news", "offline_access", "herald-publish:",
                "herald-admin").claim("herald", Map.of("subscribe", List.of("prices"))).build()));

        assertEquals(List.of(new TopicPattern("orders/*")), grants.publish());
        assertEquals(List.of(new TopicPattern("prices"), new TopicPattern("user/bob"), new TopicPattern("news")),
                grants.subscribe());
        assertTrue(grants.mayPublish("orders/1"));
        assertFalse(grants.mayPublish("news"));
        assertFalse(grants.maySubscribe("user/alice"));
    }

    @Test
    void aStarDoesNotCoverHeraldsOwnNamesNamingThemDoes() throws Exception {
        TokenVerifier verifier = verifier();
        Grants star = verifier.verify(rs256(provider.claimsWithRoles("herald-subscribe:*", "herald-publish:*")
                .claim("herald", Map.of("publish", List.of("*"), "subscribe", List.of("*"))).build()));
        assertFalse(star.maySubscribe("$presence"));
        assertFalse(star.mayPublish("$presence"));
        assertFalse(star.names("$admin"));
        assertTrue(star.maySubscribe("anything/else"));

        Grants named = verifier.verify(rs256(provider.claimsWithRoles("herald-subscribe:$presence",
                "herald-publish:$admin").build()));
        assertTrue(named.maySubscribe("$presence"));
        assertTrue(named.names("$admin"));
        Grants claimed = verifier.verify(rs256(provider.claims()
                .claim("herald", Map.of("subscribe", List.of("$presence"))).build()));
        assertTrue(claimed.maySubscribe("$presence"));
    }

    @Test
    void theRefreshThreadFetchesAtStartAndEndsAtClose() throws Exception {
        HeraldConfig config = config(Map.of());
        ProviderKeys keys = keys(config);
        keys.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(keys.state() instanceof ProviderKeys.Held) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
            assertInstanceOf(ProviderKeys.Held.class, keys.state());
        } finally {
            keys.close();
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(
                thread -> thread.getName().startsWith("herald-keys")), "herald-keys ended");
    }

}
