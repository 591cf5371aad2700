package dev.herald.auth;

/**
 * A topic pattern of a grant: {@code *} (every topic, and events without one), {@code orders/*} (every topic
 * under {@code orders/}, at any depth, but not {@code orders} itself), or an exact topic name.
 */
public record TopicPattern(String pattern) {

    public TopicPattern {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("an empty topic pattern");
        }
    }

    /** Whether this pattern covers {@code topic}; null stands for an event without a topic. */
    public boolean matches(String topic) {
        if (pattern.equals("*")) {
            return true;
        }
        if (topic == null) {
            return false;
        }
        if (pattern.endsWith("/*")) {
            String prefix = pattern.substring(0, pattern.length() - 1);
            return topic.startsWith(prefix) && topic.length() > prefix.length();
        }
        return pattern.equals(topic);
    }
}
