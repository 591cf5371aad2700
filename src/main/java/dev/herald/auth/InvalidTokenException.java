package dev.herald.auth;

/** A token Herald does not accept; the message says why without repeating the token. */
public final class InvalidTokenException extends Exception {

    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
        super(message);
    }
}
