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
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a JWT with Nimbus JOSE+JWT: its signature with the configured key ({@code herald.jwt.secret} for HS256,
 * {@code herald.jwt.public-key}, or an identity provider's keys ({@link ProviderKeys}) for RS/PS/ES), its {@code exp}
 * and {@code nbf} when present, then its claims ({@link TokenClaims}). Unsecured ({@code alg: none}) tokens, and
 * tokens in an algorithm the key is not for (an HS256 token "signed" with an RSA public key), are refused by the
 * processor itself. Immutable, so shared by every request.
 */
public final class TokenVerifier {

    /** Clocks of token issuers and of this server differ a little; five seconds, not Nimbus's default minute. */
    static final int CLOCK_SKEW_SECONDS = 5;
    /**
     * A provider's access token with a user's roles is a few KiB; past 16 KiB nothing is parsed, so a client cannot
     * make every request cost Herald the parsing of a megabyte of JSON.
     */
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    /** What an identity provider signs with: RSA, RSA-PSS and ECDSA, never a shared secret. */
    static final Set<JWSAlgorithm> PROVIDER_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final TokenClaims claims;
    private final boolean fromProvider;

    private TokenVerifier(Set<JWSAlgorithm> algorithms, JWKSource<SecurityContext> keys, TokenClaims claims,
            boolean fromProvider) {
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        processor.setJWTClaimsSetVerifier(new TimeWindow());
        this.claims = claims;
        this.fromProvider = fromProvider;
    }

    /**
     * The verifier the configuration asks for, with {@code provider}'s keys when it names a provider; null when it
     * names no key. A key it cannot use stops the start.
     */
    public static TokenVerifier of(HeraldConfig config, ProviderKeys provider) {
        TokenClaims rules = TokenClaims.of(config);
        if (config.jwtSecret() != null) {
            return new TokenVerifier(Set.of(JWSAlgorithm.HS256),
                    new ImmutableSecret<>(config.jwtSecret().getBytes(StandardCharsets.UTF_8)), rules, false);
        }
        if (config.jwtPublicKey() != null) {
            JWK key = publicKey(config.jwtPublicKey());
            Set<JWSAlgorithm> algorithms = new HashSet<>(key instanceof RSAKey ? JWSAlgorithm.Family.RSA
                    : JWSAlgorithm.Family.EC);
            return new TokenVerifier(algorithms, new ImmutableJWKSet<>(new JWKSet(key)), rules, false);
        }
        if (provider != null) {
            return new TokenVerifier(PROVIDER_ALGORITHMS, provider, rules, true);
        }
        return null;
    }

    /**
     * The grants of a valid token; otherwise why it is not valid, or {@link KeysUnavailableException} when the
     * provider's key for it cannot be had now.
     */
    public Grants verify(String token) throws InvalidTokenException, KeysUnavailableException {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException("the token is longer than " + MAX_TOKEN_CHARS + " characters");
        }
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
        Map<String, Object> payload = signed.getPayload().toJSONObject();
        if (payload == null) {
            throw new InvalidTokenException("the token's payload is not a JSON object");
        }
        claims.checkIssuer(payload);
        JWTClaimsSet verified;
        try {
            verified = processor.process(signed, new ProviderKeys.TokenIssued(issuedAt(payload)));
        } catch (ExpiredJWTException e) {
            throw new InvalidTokenException("the token has expired");
        } catch (NotYetValidException e) {
            throw new InvalidTokenException("the token is not valid yet");
        } catch (BadJWTException e) {
            throw new InvalidTokenException("the token was refused: " + e.getMessage());
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(noKey(signed));
        } catch (KeysUnavailableException e) {
            throw e;
        } catch (JOSEException e) {
            throw new InvalidTokenException("the token could not be verified: " + e.getMessage());
        }
        // the payload as sent, for the types: Nimbus reads a numeric sub as a string, for one
        return claims.grants(payload, verified);
    }

    /** The unverified {@code iat}, for the key look-up only ({@link ProviderKeys.TokenIssued}); null when absent. */
    private static Instant issuedAt(Map<String, Object> payload) {
        return payload.get("iat") instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue()) : null;
    }

    /** Why no key verified {@code token}: its algorithm, or (with a provider) a key it does not have. */
    private String noKey(SignedJWT token) {
        JWSAlgorithm algorithm = token.getHeader().getAlgorithm();
        if (fromProvider && !PROVIDER_ALGORITHMS.contains(algorithm)) {
            return "the algorithm " + algorithm + " is not accepted from an identity provider (RS, PS or ES only)";
        }
        String kid = token.getHeader().getKeyID();
        if (fromProvider && kid != null) {
            // the kid is the client's text: quoted only when it is short and plain
            boolean plain = kid.matches("[A-Za-z0-9._~-]{1,64}");
            return "the identity provider has no " + algorithm + " key " + (plain ? "with kid '" + kid + "'"
                    : "with this token's kid") + ", or the signature does not verify with it";
        }
        return "the token's signature does not verify with the configured key";
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
