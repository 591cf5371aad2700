package dev.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.config.HeraldConfig;
import dev.herald.config.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    private static HeraldConfig config(String secret, String publicKey) {
        return HeraldConfig.read(key -> switch (key) {
            case HeraldConfig.JWT_SECRET -> secret;
            case HeraldConfig.JWT_PUBLIC_KEY -> publicKey;
            default -> null;
        });
    }

    private static JWTClaimsSet.Builder claims(Object herald) {
        return new JWTClaimsSet.Builder().claim("herald", herald).subject("alice")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))));
    }

    private static String sign(JWSSigner signer, JWSAlgorithm algorithm, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static String hs256(String secret, JWTClaimsSet claims) throws Exception {
        return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, claims);
    }

    private static String pem(KeyPair keys) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    @Test
    void readsTheGrantsOfAValidToken() throws Exception {
        TokenVerifier verifier = TokenVerifier.of(config(SECRET, null), null);

        Grants grants = verifier.verify(hs256(SECRET,
                claims(Map.of("publish", List.of("orders/*"), "subscribe", List.of("*"))).build()));

        assertTrue(grants.mayPublish("orders/1"));
        assertEquals(false, grants.mayPublish("orders"));
        assertEquals(false, grants.mayPublish(null));
        assertTrue(grants.maySubscribe("anything"));
        assertEquals("alice", grants.subject());
    }

    @Test
    void refusesExpiredEarlyForgedAndUnsignedTokensSayingWhy() throws Exception {
        TokenVerifier verifier = TokenVerifier.of(config(SECRET, null), null);
        Map<String, List<String>> all = Map.of("publish", List.of("*"));
        Map<String, String> refused = Map.of(
                hs256(SECRET, claims(all).expirationTime(Date.from(Instant.now().minusSeconds(60))).build()),
                "expired",
                hs256(SECRET, claims(all).notBeforeTime(Date.from(Instant.now().plusSeconds(60))).build()),
                "not valid yet",
                hs256("another-secret-another-secret-!!", claims(all).build()), "signature",
                new PlainJWT(claims(all).build()).serialize(), "alg: none",
                "not.a.jwt", "not a JWT",
                hs256(SECRET, claims(Map.of("publish", "*")).build()), "claim 'herald'");
        refused.forEach((token, reason) -> {
            InvalidTokenException e = assertThrows(InvalidTokenException.class, () -> verifier.verify(token), reason);
            assertTrue(e.getMessage().contains(reason), reason + ": " + e.getMessage());
        });
    }

    @Test
    void aTokenWithoutTheClaimGrantsNothing() throws Exception {
        Grants grants = TokenVerifier.of(config(SECRET, null), null).verify(
                hs256(SECRET, new JWTClaimsSet.Builder().subject("bob").build()));

        assertEquals(false, grants.mayPublish("orders"));
        assertNull(grants.expiresAt());
    }

    @Test
    void verifiesRsaAndEcTokensWithAPemPublicKey() throws Exception {
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        KeyPair rsa = rsaGenerator.generateKeyPair();
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGenerator.generateKeyPair();
        JWTClaimsSet claims = claims(Map.of("publish", List.of("*"))).build();

        String rsaToken = sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims);
        String ecToken = sign(new ECDSASigner((java.security.interfaces.ECPrivateKey) ec.getPrivate()),
                JWSAlgorithm.ES256, claims);

        assertTrue(TokenVerifier.of(config(null, pem(rsa)), null).verify(rsaToken).mayPublish("x"));
        assertTrue(TokenVerifier.of(config(null, pem(ec)), null).verify(ecToken).mayPublish("x"));
        // an HS256 token made with the public key as its secret must not pass as RS256
        assertThrows(InvalidTokenException.class,
                () -> TokenVerifier.of(config(null, pem(rsa)), null).verify(hs256(pem(rsa), claims)));
    }

    @Test
    void aKeyHeraldCannotUseStopsTheStart() {
        assertThrows(InvalidConfigException.class, () -> config("too short", null));
        assertThrows(InvalidConfigException.class, () -> TokenVerifier.of(config(SECRET, "-----BEGIN PUBLIC KEY-----"), null));
        InvalidConfigException notPem = assertThrows(InvalidConfigException.class,
                () -> TokenVerifier.of(config(null, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"), null));
        assertTrue(notPem.getMessage().contains("herald.jwt.public-key"), notPem.getMessage());
        assertNull(TokenVerifier.of(config(null, null), null));
    }
}
