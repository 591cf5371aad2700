package dev.herald.stream;

import dev.herald.auth.TopicPattern;
import dev.herald.web.ApiException;
import dev.herald.history.RetainedEvents;
import dev.herald.history.Topics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a client asks for when it opens a stream, validated: its topic entries (names, {@code $presence}, and the
 * wildcards {@code prefix/*} and {@code *}), the envelope, where to resume.
 */
record Subscription(List<String> topics, boolean envelope, String lastEventId) {

    /** Any id Herald hands out fits this, so anything else is refused rather than echoed back. */
    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * @param lastEventIdHeader the {@code Last-Event-ID} header, which wins over the query parameter
     */
    static Subscription of(List<String> topics, String envelope, String lastEventIdHeader, String lastEventIdQuery,
            int maxTopics) {
        Set<String> unique = new LinkedHashSet<>();
        for (String topic : topics == null ? List.<String>of() : topics) {
            if (!Topics.RESERVED.contains(topic) && !Topics.isValidName(topic) && !TopicPattern.isWildcard(topic)) {
                throw ApiException.badRequest("invalid_topic", "topics are 1-" + Topics.MAX_LENGTH
                        + " characters from A-Z a-z 0-9 . _ : / - (or a reserved name such as $presence); the only"
                        + " wildcards are prefix/* (every topic under prefix/) and * (every topic)");
            }
            unique.add(topic);
        }
        if (unique.size() > maxTopics) {
            throw ApiException.badRequest("too_many_topics", "at most " + maxTopics + " topics per connection");
        }
        return new Subscription(new ArrayList<>(unique), envelope(envelope), lastEventId(lastEventIdHeader, lastEventIdQuery));
    }

    /** The topics the history holds events of for this client by name: all its names but Herald's own. */
    List<String> heldTopics() {
        return presence() || hasWildcards()
                ? topics.stream().filter(topic -> !Topics.isReserved(topic) && !TopicPattern.isWildcard(topic)).toList()
                : topics;
    }

    boolean hasWildcards() {
        return topics.stream().anyMatch(TopicPattern::isWildcard);
    }

    boolean presence() {
        return topics.contains(Topics.PRESENCE);
    }

    private static boolean envelope(String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw ApiException.badRequest("invalid_envelope", "envelope must be true or false");
    }

    private static String lastEventId(String header, String query) {
        String id = header != null && !header.isEmpty() ? header : query;
        if (id == null || id.isEmpty()) {
            return null;
        }
        if (!EVENT_ID.matcher(id).matches()) {
            throw ApiException.badRequest("invalid_last_event_id",
                    "Last-Event-ID must be 1-64 characters from A-Z a-z 0-9 . _ -");
        }
        return id;
    }
}
