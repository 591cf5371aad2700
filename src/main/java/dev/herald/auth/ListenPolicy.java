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
        if (allows(caller, topic)) {
            return Verdict.ALLOWED;
        }
        if (caller.grants() == null) {
            return Verdict.unknownCaller("'" + topic + "' is private: subscribing needs a token that grants it");
        }
        return Verdict.forbidden("the token (or the application's hook) does not grant subscribing to '" + topic
                + "'");
    }

    /** {@link #decide}'s answer without its reason: a wildcard's filter asks this for every private event. */
    boolean allows(Caller caller, String topic) {
        if (caller.anyone() || caller.isPublisherUser() || !needsGrant(topic)) {
            return true;
        }
        Grants grants = caller.grants();
        if (grants == null) {
            return false;
        }
        boolean own = grants.subject() != null && topic.equals("user/" + grants.subject());
        return own || grants.maySubscribe(topic);
    }

    /**
     * Whether a subscription entry may reach what takes a grant: {@code $presence} or a private topic by name, or a
     * wildcard overlapping a private pattern. Herald's own names are never reached through a wildcard.
     */
    boolean mayNeedGrant(String entry) {
        if (!TopicPattern.isWildcard(entry)) {
            return needsGrant(entry);
        }
        TopicPattern wildcard = new TopicPattern(entry);
        return privateTopics.stream().anyMatch(wildcard::overlaps);
    }

    /** Whether listening to {@code topic} takes more than being anyone: the same answer for every caller. */
    boolean needsGrant(String topic) {
        return topic.equals(Topics.PRESENCE) || privateTopics.stream().anyMatch(pattern -> pattern.matches(topic));
    }
}
