package dev.herald.auth;

import dev.herald.history.Topics;
import java.util.ArrayList;
import java.util.List;

/**
 * A topic pattern, of a grant or of a subscription: {@code *} (every topic; in a grant also events without one),
 * {@code orders/*} (every topic under {@code orders/}, at any depth, but not {@code orders} itself), or an exact
 * topic name. Herald's one pattern language: grants, private topics and wildcard subscriptions all match with it.
 */
public record TopicPattern(String pattern) {

    /** The pattern that covers every topic. */
    public static final String EVERY_TOPIC = "*";
    private static final String UNDER = "/*";

    public TopicPattern {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("an empty topic pattern");
        }
    }

    /**
     * Whether {@code text} is one of the two wildcard forms a subscription may use: {@code *}, or a topic name
     * followed by {@code /*} (the pattern at most {@link Topics#MAX_LENGTH} characters). Any other {@code *} is not.
     */
    public static boolean isWildcard(String text) {
        if (text.equals(EVERY_TOPIC)) {
            return true;
        }
        return text.endsWith(UNDER) && text.length() <= Topics.MAX_LENGTH
                && Topics.isValidName(text.substring(0, text.length() - UNDER.length()));
    }

    /**
     * The wildcard patterns that cover {@code topic}: {@code *}, and {@code p/*} for every {@code p/} it starts with
     * and goes beyond ({@code a/b/c}: {@code *}, {@code a/*}, {@code a/b/*}). For {@code p} among them,
     * {@code new TopicPattern(p).matches(topic)} holds, and for no other wildcard. Lets a router find the wildcards
     * of a topic with one look-up per level of the topic, O(its depth), instead of trying every wildcard.
     */
    public static List<String> wildcardsCovering(String topic) {
        List<String> covering = new ArrayList<>(4);
        covering.add(EVERY_TOPIC);
        for (int slash = topic.indexOf('/'); slash >= 0 && slash < topic.length() - 1;
                slash = topic.indexOf('/', slash + 1)) {
            covering.add(topic.substring(0, slash + 1) + "*");
        }
        return covering;
    }

    /**
     * Whether some topic matches both this pattern and {@code other}: {@code *} overlaps every pattern; two
     * {@code prefix/*} overlap when one prefix starts with the other ({@code a/*} and {@code a/b/*}); a name overlaps
     * a pattern that matches it. How Herald tells that a wildcard subscription may reach a private topic.
     */
    public boolean overlaps(TopicPattern other) {
        if (pattern.equals(EVERY_TOPIC) || other.pattern.equals(EVERY_TOPIC)) {
            return true;
        }
        boolean under = pattern.endsWith(UNDER);
        boolean otherUnder = other.pattern.endsWith(UNDER);
        if (under && otherUnder) {
            String prefix = pattern.substring(0, pattern.length() - 1);
            String otherPrefix = other.pattern.substring(0, other.pattern.length() - 1);
            return prefix.startsWith(otherPrefix) || otherPrefix.startsWith(prefix);
        }
        return under ? matches(other.pattern) : other.matches(pattern);
    }

    /** Whether this pattern covers {@code topic}; null stands for an event without a topic. */
    public boolean matches(String topic) {
        if (pattern.equals(EVERY_TOPIC)) {
            return true;
        }
        if (topic == null) {
            return false;
        }
        if (pattern.endsWith(UNDER)) {
            String prefix = pattern.substring(0, pattern.length() - 1);
            return topic.startsWith(prefix) && topic.length() > prefix.length();
        }
        return pattern.equals(topic);
    }
}
