package dev.herald.history;

import java.util.List;
import java.util.Map;

/**
 * What a backbone that decides retention itself (Redis) holds, read at once, for a node that starts: every event
 * held, in id order; {@code base}, up to which everything is gone; the newest evicted event of each topic it
 * still remembers ({@code evicted}, null key for events without a topic); which of those hold no events any more,
 * forgotten first ({@code forgotten}); {@code folded}, the newest evicted event of the topics no longer
 * remembered by name (null while none); and {@code retained}, each topic's retained event, in id order (they are
 * kept apart from the held events, and may be older than any of them).
 */
public record HeldEvents(EventId base, List<Event> events, Map<String, EventId> evicted, List<String> forgotten,
        EventId folded, List<Event> retained) {

    /** A snapshot without retained events. */
    public HeldEvents(EventId base, List<Event> events, Map<String, EventId> evicted, List<String> forgotten,
            EventId folded) {
        this(base, events, evicted, forgotten, folded, List.of());
    }
}
