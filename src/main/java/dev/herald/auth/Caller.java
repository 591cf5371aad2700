package dev.herald.auth;

import java.time.Instant;

/**
 * Who is asking, once their credentials were checked: anyone at all ({@code herald.open}), the bearer of a valid
 * token, a user of the container, or nobody known.
 *
 * @param grants what a valid token grants, or null
 * @param user the container's user, or null
 */
public record Caller(boolean anyone, Grants grants, Credentials.ContainerUser user) {

    /** {@code herald.open=true}: a developer's machine, where everything is allowed. */
    static final Caller ANYONE = new Caller(true, null, null);
    /** No token and no container user. */
    static final Caller NOBODY = new Caller(false, null, null);

    static Caller token(Grants grants) {
        return new Caller(false, grants, null);
    }

    static Caller user(Credentials.ContainerUser user) {
        return new Caller(false, null, user);
    }

    boolean isPublisherUser() {
        return user != null && user.publisher();
    }

    /** The subject ({@code sub}) of this caller's token, or null: no token, or a token without one. */
    public String subject() {
        return grants == null ? null : grants.subject();
    }

    /** When a stream of this caller must end: its token's expiry, or null. */
    public Instant expiresAt() {
        return grants == null ? null : grants.expiresAt();
    }
}
