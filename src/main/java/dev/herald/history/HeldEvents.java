package dev.herald.history;

import java.util.List;
import java.util.Map;

/**
 * What a backbone shared by several nodes (Redis) stores for a node that starts, read at once: {@code base}, up to
 * which everything is gone; {@code decidedUpTo}, the newest event the nodes' retention decisions were stored for;
 * every event stored and not evicted by those decisions, in id order (those after {@code decidedUpTo} are still to
 * be decided, by this node as by every other); the newest evicted event of each topic remembered (null key for
 * events without a topic), whether it still holds events or not; {@code folded}, the newest evicted event of the
 * topics no longer remembered by name (null while none); and {@code retained}, each topic's retained event, in id
 * order (kept apart from the held events, and may be older than any of them).
 */
public record HeldEvents(EventId base, EventId decidedUpTo, List<Event> events, Map<String, EventId> evicted,
        EventId folded, List<Event> retained) {
}
