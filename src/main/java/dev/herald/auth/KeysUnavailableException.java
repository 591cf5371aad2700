package dev.herald.auth;

import com.nimbusds.jose.KeySourceException;

/**
 * Herald has no key to check this token with yet: the provider is down, or was asked a moment ago. The token may
 * well be valid, so this is never a 401 (a client would throw its token away): it is {@code 503 keys_unavailable}
 * with {@code Retry-After}. A {@link KeySourceException} so that it passes through Nimbus's processor unchanged.
 */
public final class KeysUnavailableException extends KeySourceException {

    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    KeysUnavailableException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** When asking again may help, in whole seconds, at least 1. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
