package dev.herald.auth.hook;

import dev.herald.auth.Grants;

/**
 * What the application's hook said of one credential: granted (with the grants, subject and expiry), 401, 403, or
 * nothing usable ({@code UNAVAILABLE}: an error, a timeout, garbage), or not asked because Herald already has
 * {@code herald.auth.hook-concurrency} calls in flight ({@code BUSY}).
 *
 * @param grants what a {@code GRANTED} answer allows, else null
 * @param reason why an answer is not {@code GRANTED}, for the client's detail and the log
 */
public record HookAnswer(Kind kind, Grants grants, String reason) {

    public enum Kind { GRANTED, UNAUTHORIZED, FORBIDDEN, UNAVAILABLE, BUSY }

    static HookAnswer granted(Grants grants) {
        return new HookAnswer(Kind.GRANTED, grants, null);
    }

    static HookAnswer of(Kind kind, String reason) {
        return new HookAnswer(kind, null, reason);
    }

    /** Whether the application answered (granted, 401 or 403), as opposed to failing to. */
    boolean isApplicationsWord() {
        return kind == Kind.GRANTED || kind == Kind.UNAUTHORIZED || kind == Kind.FORBIDDEN;
    }
}
