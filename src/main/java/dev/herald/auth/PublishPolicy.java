package dev.herald.auth;

/**
 * Who may publish where: anyone with {@code herald.open}, a token whose {@code publish} patterns cover the topic
 * (an event without a topic needs {@code *}), a container user with the role {@code herald-publisher}.
 */
final class PublishPolicy {

    private PublishPolicy() {
    }

    /** May {@code caller} publish to {@code topic} (null: an event without a topic, which every client gets)? */
    static Verdict decide(Caller caller, String topic) {
        if (caller.anyone() || caller.isPublisherUser()) {
            return Verdict.ALLOWED;
        }
        if (caller.grants() != null) {
            if (caller.grants().mayPublish(topic)) {
                return Verdict.ALLOWED;
            }
            return Verdict.forbidden(topic == null
                    ? "the token does not grant publishing events without a topic (that needs '*')"
                    : "the token does not grant publishing to '" + topic + "'");
        }
        if (caller.user() != null) {
            return Verdict.forbidden("this user does not have the role " + Access.PUBLISHER_ROLE);
        }
        return Verdict.unknownCaller("publishing needs a token (Authorization: Bearer) or a user with the role "
                + Access.PUBLISHER_ROLE);
    }
}
