package dev.herald.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import com.nimbusds.jwt.util.DateUtils;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.herald.config.HeraldConfig;
import dev.herald.config.InvalidConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a JWT with Nimbus JOSE+JWT: its signature with the configured key ({@code herald.jwt.secret} for HS256,
 * or {@code herald.jwt.public-key} for RS/PS/ES), its {@code exp} and {@code nbf} when present. Unsecured
 * ({@code alg: none}) tokens are refused by the processor itself. Immutable, so shared by every request.
 */
public final class TokenVerifier {

    /** Clocks of token issuers and of this server differ a little; five seconds, not Nimbus's default minute. */
    static final int CLOCK_SKEW_SECONDS = 5;
    static final String CLAIM = "herald";

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    private TokenVerifier(Set<JWSAlgorithm> algorithms, JWKSource<SecurityContext> keys) {
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        processor.setJWTClaimsSetVerifier(new TimeWindow());
    }

    /** The verifier the configuration asks for, or null when it names no key; a key it cannot use stops the start. */
    public static TokenVerifier of(HeraldConfig config) {
        if (config.jwtSecret() != null && config.jwtPublicKey() != null) {
            throw new InvalidConfigException(HeraldConfig.JWT_PUBLIC_KEY, "set either it or "
                    + HeraldConfig.JWT_SECRET + ", not both");
        }
        if (config.jwtSecret() != null) {
            return new TokenVerifier(Set.of(JWSAlgorithm.HS256),
                    new ImmutableSecret<>(config.jwtSecret().getBytes(StandardCharsets.UTF_8)));
        }
        if (config.jwtPublicKey() != null) {
            JWK key = publicKey(config.jwtPublicKey());
            Set<JWSAlgorithm> algorithms = new HashSet<>(key instanceof RSAKey ? JWSAlgorithm.Family.RSA
                    : JWSAlgorithm.Family.EC);
            return new TokenVerifier(algorithms, new ImmutableJWKSet<>(new JWKSet(key)));
        }
        return null;
    }

    /** The grants of a valid token; otherwise why it is not valid. */
    public Grants verify(String token) throws InvalidTokenException {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new InvalidTokenException("the token is not a JWT");
        }
        if (jwt instanceof PlainJWT) {
            throw new InvalidTokenException("unsigned tokens (alg: none) are refused");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw new InvalidTokenException("encrypted tokens (JWE) are not accepted: sign it (JWS)");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(signed, null);
        } catch (ExpiredJWTException e) {
            throw new InvalidTokenException("the token has expired");
        } catch (NotYetValidException e) {
            throw new InvalidTokenException("the token is not valid yet");
        } catch (BadJWTException e) {
            throw new InvalidTokenException("the token was refused: " + e.getMessage());
        } catch (BadJOSEException e) {
            throw new InvalidTokenException("the token's signature does not verify with the configured key");
        } catch (JOSEException e) {
            throw new InvalidTokenException("the token could not be verified: " + e.getMessage());
        }
        try {
            Map<String, Object> herald = claims.getJSONObjectClaim(CLAIM);
            return new Grants(patterns(herald, "publish"), patterns(herald, "subscribe"), claims.getSubject(),
                    claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant());
        } catch (ParseException | IllegalArgumentException e) {
            throw new InvalidTokenException("the claim '" + CLAIM + "' must be {\"publish\":[...],\"subscribe\":[...]}"
                    + " with topic patterns");
        }
    }

    /** {@code exp} and {@code nbf}, when present, with {@link #CLOCK_SKEW_SECONDS}; each failure of its own type. */
    private static final class TimeWindow implements JWTClaimsSetVerifier<SecurityContext> {

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            Date now = new Date();
            Date expires = claims.getExpirationTime();
            if (expires != null && !DateUtils.isAfter(expires, now, CLOCK_SKEW_SECONDS)) {
                throw new ExpiredJWTException("expired");
            }
            Date notBefore = claims.getNotBeforeTime();
            if (notBefore != null && !DateUtils.isBefore(notBefore, now, CLOCK_SKEW_SECONDS)) {
                throw new NotYetValidException();
            }
        }
    }

    /** A token whose {@code nbf} is still ahead. */
    private static final class NotYetValidException extends BadJWTException {

        private static final long serialVersionUID = 1L;

        NotYetValidException() {
            super("not valid yet");
        }
    }

    private static List<TopicPattern> patterns(Map<String, Object> herald, String field) {
        if (herald == null || herald.get(field) == null) {
            return List.of();
        }
        if (!(herald.get(field) instanceof List<?> list)) {
            throw new IllegalArgumentException(field + " is not a list");
        }
        List<TopicPattern> patterns = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String text)) {
                throw new IllegalArgumentException(field + " holds a non-string");
            }
            patterns.add(new TopicPattern(text));
        }
        return patterns;
    }

    /** A PEM public key (RSA or EC), given as the PEM text or a path to a file holding it. */
    private static JWK publicKey(String value) {
        String pem;
        try {
            pem = value.startsWith("-----BEGIN") ? value : Files.readString(Path.of(value), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigException(HeraldConfig.JWT_PUBLIC_KEY, "neither PEM text nor a readable file: " + e);
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        if (!pem.contains("-----BEGIN PUBLIC KEY-----")) {
            throw new InvalidConfigException(HeraldConfig.JWT_PUBLIC_KEY,
                    "expected a '-----BEGIN PUBLIC KEY-----' block (an RSA or EC public key)");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(HeraldConfig.JWT_PUBLIC_KEY, "the PEM block is not base64");
        }
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                PublicKey key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
                if (key instanceof RSAPublicKey rsa) {
                    return new RSAKey.Builder(rsa).build();
                }
                if (key instanceof ECPublicKey ec) {
                    return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next algorithm
            }
        }
        throw new InvalidConfigException(HeraldConfig.JWT_PUBLIC_KEY, "not an RSA or EC public key");
    }
}
