package dev.herald.auth;

/**
 * A policy's answer: allowed, or refused with a reason, either because nobody Herald knows is asking (a 401: a
 * token would help) or because this caller may not (a 403).
 */
record Verdict(Kind kind, String reason) {

    enum Kind { ALLOWED, UNKNOWN_CALLER, FORBIDDEN }

    static final Verdict ALLOWED = new Verdict(Kind.ALLOWED, null);

    static Verdict unknownCaller(String reason) {
        return new Verdict(Kind.UNKNOWN_CALLER, reason);
    }

    static Verdict forbidden(String reason) {
        return new Verdict(Kind.FORBIDDEN, reason);
    }

    boolean allowed() {
        return kind == Kind.ALLOWED;
    }
}
