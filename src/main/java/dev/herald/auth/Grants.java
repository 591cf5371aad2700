package dev.herald.auth;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a verified token allows, from its claim {@code "herald": {"publish": [...], "subscribe": [...]}}, with its
 * subject ({@code sub}, may be null) and expiry ({@code exp}, may be null).
 */
public record Grants(List<TopicPattern> publish, List<TopicPattern> subscribe, String subject, Instant expiresAt) {

    public Grants {
        publish = List.copyOf(publish);
        subscribe = List.copyOf(subscribe);
    }

    /** May publish to {@code topic}; null is an event without a topic, which only {@code *} grants. */
    public boolean mayPublish(String topic) {
        return publish.stream().anyMatch(pattern -> pattern.matches(topic));
    }

    public boolean maySubscribe(String topic) {
        return subscribe.stream().anyMatch(pattern -> pattern.matches(topic));
    }

    /**
     * Whether a pattern, to publish or to subscribe, is {@code name} itself: how Herald's own names such as
     * {@code $admin} are granted, which no wildcard covers.
     */
    public boolean names(String name) {
        return Stream.concat(publish.stream(), subscribe.stream()).anyMatch(pattern -> pattern.pattern().equals(name));
    }
}
