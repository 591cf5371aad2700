package dev.herald.it;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** JWTs for the test servers, signed with the secret the test WARs are deployed with ({@code herald.jwt.secret} in their web.xml, see {@link BuiltWar}). */
final class Tokens {

    static final String SECRET = System.getProperty("it.jwt.secret", "herald-integration-test-secret-0123456789");

    private Tokens() {
    }

    /**
     * May publish and subscribe to anything, and see who is connected; what the tests that are not about access use.
     * {@code $presence} is named: {@code *} does not cover Herald's own names.
     */
    static String all() {
        return signed(SECRET, List.of("*"), List.of("*", "$presence"), null, Instant.now().plus(Duration.ofHours(1)), null);
    }

    /** May publish anything. */
    static String publisher() {
        return signed(SECRET, List.of("*"), List.of(), null, Instant.now().plus(Duration.ofHours(1)), null);
    }

    static String signed(String secret, List<String> publish, List<String> subscribe, String subject, Instant expires,
            Instant notBefore) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .claim("herald", Map.of("publish", publish, "subscribe", subscribe))
                .issueTime(new Date());
        if (subject != null) {
            claims.subject(subject);
        }
        if (expires != null) {
            claims.expirationTime(Date.from(expires));
        }
        if (notBefore != null) {
            claims.notBeforeTime(Date.from(notBefore));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
