package dev.herald.auth;

import dev.herald.history.Topics;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a verified token allows, from its claim {@code "herald": {"publish": [...], "subscribe": [...]}} and the
 * roles of {@code herald.jwt.roles-claim}, with its subject ({@code sub}, may be null) and expiry ({@code exp}, may
 * be null). Herald's own names ({@code $presence}, {@code $admin}) are granted only by naming them exactly: no
 * pattern covers them, not even {@code *}, so a token made to publish everywhere does not also see who is connected.
 */
public record Grants(List<TopicPattern> publish, List<TopicPattern> subscribe, String subject, Instant expiresAt) {

    public Grants {
        publish = List.copyOf(publish);
        subscribe = List.copyOf(subscribe);
    }

    /** May publish to {@code topic}; null is an event without a topic, which only {@code *} grants. */
    public boolean mayPublish(String topic) {
        return covers(publish, topic);
    }

    public boolean maySubscribe(String topic) {
        return covers(subscribe, topic);
    }

    private static boolean covers(List<TopicPattern> patterns, String topic) {
        if (topic != null && Topics.isReserved(topic)) {
            return patterns.stream().anyMatch(pattern -> pattern.pattern().equals(topic));
        }
        return patterns.stream().anyMatch(pattern -> pattern.matches(topic));
    }

    /**
     * Whether a pattern, to publish or to subscribe, is {@code name} itself: how Herald's own names such as
     * {@code $admin} are granted, which no wildcard covers.
     */
    public boolean names(String name) {
        return Stream.concat(publish.stream(), subscribe.stream()).anyMatch(pattern -> pattern.pattern().equals(name));
    }
}
