package dev.herald.auth;

/**
 * Who may act on other clients' streams ({@code DELETE /api/clients/{id}}): anyone with {@code herald.open}, a
 * container user with the role {@code herald-publisher}, or a token that names {@code $admin} exactly. A pattern
 * such as {@code *} never covers it: a backend allowed to publish everywhere must not end every user's stream.
 */
final class AdminPolicy {

    /** The name a token's grants must list to act on clients. */
    static final String ADMIN = "$admin";

    private AdminPolicy() {
    }

    static Verdict decide(Caller caller) {
        if (caller.anyone() || caller.isPublisherUser()) {
            return Verdict.ALLOWED;
        }
        if (caller.grants() != null) {
            return caller.grants().names(ADMIN) ? Verdict.ALLOWED
                    : Verdict.forbidden("the token does not grant " + ADMIN + " (only naming it exactly does)");
        }
        if (caller.user() != null) {
            return Verdict.forbidden("this user does not have the role " + Access.PUBLISHER_ROLE);
        }
        return Verdict.unknownCaller("acting on clients needs a token granting " + ADMIN + " or the role "
                + Access.PUBLISHER_ROLE);
    }
}
