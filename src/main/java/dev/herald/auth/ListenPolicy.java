package dev.herald.auth;

import dev.herald.history.Topics;
import java.util.List;

/**
 * Who may subscribe to what. Public topics need nothing. Private ones ({@code herald.topics.private}) and
 * {@code $presence} need a token that grants them, or, for {@code user/<sub>}, a token whose subject is
 * {@code <sub>}; a container user with the role {@code herald-publisher} may listen to everything.
 */
final class ListenPolicy {

    private final List<TopicPattern> privateTopics;

    ListenPolicy(List<TopicPattern> privateTopics) {
        this.privateTopics = List.copyOf(privateTopics);
    }

    Verdict decide(Caller caller, String topic) {
        if (caller.anyone() || caller.isPublisherUser() || !needsGrant(topic)) {
            return Verdict.ALLOWED;
        }
        Grants grants = caller.grants();
        if (grants == null) {
            return Verdict.unknownCaller("'" + topic + "' is private: subscribing needs a token that grants it");
        }
        boolean own = grants.subject() != null && topic.equals("user/" + grants.subject());
        if (own || grants.maySubscribe(topic)) {
            return Verdict.ALLOWED;
        }
        return Verdict.forbidden("the token does not grant subscribing to '" + topic + "'");
    }

    private boolean needsGrant(String topic) {
        return topic.equals(Topics.PRESENCE) || privateTopics.stream().anyMatch(pattern -> pattern.matches(topic));
    }
}
