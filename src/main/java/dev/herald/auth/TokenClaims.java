package dev.herald.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.herald.config.HeraldConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * What a token's claims say, once its signature and times are checked: {@code iss} and {@code aud} as configured,
 * and its {@link Grants}, from the {@code herald} claim and the roles at {@code herald.jwt.roles-claim}. Every claim
 * of the wrong type is an {@link InvalidTokenException} saying which, never anything worse.
 */
final class TokenClaims {

    static final String CLAIM = "herald";
    static final String PUBLISH_ROLE = "herald-publish:";
    static final String SUBSCRIBE_ROLE = "herald-subscribe:";
    /** The roles one token may carry; a provider lists a user's roles, a few dozen, not thousands. */
    static final int MAX_ROLES = 1000;

    private final String issuer;
    private final String audience;
    private final List<String> rolesPath;

    TokenClaims(String issuer, String audience, String rolesClaim) {
        this.issuer = issuer;
        this.audience = audience;
        this.rolesPath = rolesClaim == null ? null : List.of(rolesClaim.split("\\."));
    }

    static TokenClaims of(HeraldConfig config) {
        HeraldConfig.Jwt jwt = config.jwt();
        return new TokenClaims(jwt.issuer(), jwt.audience(), jwt.rolesClaim());
    }

    /**
     * The grants of a token whose signature and times were checked ({@code verified}), its claims read as sent
     * ({@code all}, the JSON types untouched); or why they are refused.
     */
    Grants grants(Map<String, Object> all, JWTClaimsSet verified) throws InvalidTokenException {
        String subject = string(all, "sub");
        checkIssuer(all);
        checkAudience(all);
        Instant expires = expiry(verified);
        List<TopicPattern> publish = new ArrayList<>();
        List<TopicPattern> subscribe = new ArrayList<>();
        Object herald = all.get(CLAIM);
        if (herald != null) {
            if (!(herald instanceof Map<?, ?> map)) {
                throw heraldClaim();
            }
            publish.addAll(patterns(map.get("publish")));
            subscribe.addAll(patterns(map.get("subscribe")));
        }
        for (String role : roles(all)) {
            if (role.startsWith(PUBLISH_ROLE) && role.length() > PUBLISH_ROLE.length()) {
                publish.add(new TopicPattern(role.substring(PUBLISH_ROLE.length())));
            } else if (role.startsWith(SUBSCRIBE_ROLE) && role.length() > SUBSCRIBE_ROLE.length()) {
                subscribe.add(new TopicPattern(role.substring(SUBSCRIBE_ROLE.length())));
            }
        }
        return new Grants(publish, subscribe, subject, expires);
    }

    /**
     * Refuses a token from another issuer before any key is looked for: read from the unverified payload, which is
     * safe for a refusal, and spares the provider a fetch for a key that another realm holds.
     */
    void checkIssuer(Map<String, Object> all) throws InvalidTokenException {
        String iss = string(all, "iss");
        if (issuer != null && !issuer.equals(iss)) {
            throw new InvalidTokenException(iss == null ? "the token has no iss; this server accepts only " + issuer
                    : "the token's iss is not " + issuer);
        }
    }

    private void checkAudience(Map<String, Object> all) throws InvalidTokenException {
        Object aud = all.get("aud");
        List<String> audiences;
        if (aud == null) {
            audiences = List.of();
        } else if (aud instanceof String one) {
            audiences = List.of(one);
        } else if (aud instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            audiences = list.stream().map(String.class::cast).toList();
        } else {
            throw new InvalidTokenException("the claim 'aud' must be a string or a list of strings");
        }
        if (audience != null && !audiences.contains(audience)) {
            throw new InvalidTokenException(audiences.isEmpty() ? "the token has no aud; this server accepts only "
                    + "tokens for " + audience : "the token's aud does not include " + audience);
        }
    }

    /** Nimbus has read {@code exp} as a date already when it was a number; anything else is refused here. */
    private static Instant expiry(JWTClaimsSet verified) throws InvalidTokenException {
        Object exp = verified.getClaim("exp");
        if (exp == null) {
            return null;
        }
        if (!(exp instanceof Date date)) {
            throw new InvalidTokenException("the claim 'exp' must be a number of seconds");
        }
        return date.toInstant();
    }

    private static String string(Map<String, Object> all, String claim) throws InvalidTokenException {
        Object value = all.get(claim);
        if (value != null && !(value instanceof String)) {
            throw new InvalidTokenException("the claim '" + claim + "' must be a string");
        }
        return (String) value;
    }

    /** The strings at the roles path; none when it is unset or the token does not have it. */
    private List<String> roles(Map<String, Object> all) throws InvalidTokenException {
        if (rolesPath == null) {
            return List.of();
        }
        Object node = all;
        for (String name : rolesPath) {
            if (!(node instanceof Map<?, ?> map)) {
                throw rolesClaim();
            }
            node = map.get(name);
            if (node == null) {
                return List.of();
            }
        }
        if (!(node instanceof List<?> list) || list.size() > MAX_ROLES
                || !list.stream().allMatch(String.class::isInstance)) {
            throw rolesClaim();
        }
        return list.stream().map(String.class::cast).toList();
    }

    private InvalidTokenException rolesClaim() {
        return new InvalidTokenException("the claim '" + String.join(".", rolesPath) + "' (herald.jwt.roles-claim) "
                + "must be a list of at most " + MAX_ROLES + " strings");
    }

    private static List<TopicPattern> patterns(Object field) throws InvalidTokenException {
        if (field == null) {
            return List.of();
        }
        if (!(field instanceof List<?> list)) {
            throw heraldClaim();
        }
        List<TopicPattern> patterns = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String text) || text.isEmpty()) {
                throw heraldClaim();
            }
            patterns.add(new TopicPattern(text));
        }
        return patterns;
    }

    private static InvalidTokenException heraldClaim() {
        return new InvalidTokenException("the claim '" + CLAIM + "' must be {\"publish\":[...],\"subscribe\":[...]}"
                + " with topic patterns");
    }
}
