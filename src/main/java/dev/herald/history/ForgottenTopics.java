package dev.herald.history;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What the history remembers of topics it no longer holds any event of: the newest evicted event of each, for at
 * most {@code limit} topics, those whose newest evicted events are newest. Beyond that, the newest of all the
 * forgotten ones stands for every topic not remembered by name, a topic never seen included: a client of such a
 * topic older than it gets a reset, perhaps needlessly, never a gap.
 *
 * <p>Which topic goes first is decided by the ids alone (each id is one event's, so of one topic: no ties), so a node
 * that rebuilds this from what Redis stores, in any order, remembers the same topics as one that saw them go.
 */
final class ForgottenTopics {

    private final int limit;
    private final Map<String, EventId> byName = new HashMap<>();
    private final TreeMap<EventId, String> byEvicted = new TreeMap<>();
    /** The newest evicted event of any topic forgotten by name, or null while none was. */
    private EventId folded;

    /** @param limit topics remembered by name; the history passes its capacity, so this stays within its bound */
    ForgottenTopics(int limit) {
        this.limit = limit;
    }

    /**
     * {@code key} has no event left; {@code evicted} was its newest. Answers the topic this forgot by name to make
     * room (its id folded), or null.
     */
    String forget(String key, EventId evicted) {
        EventId before = byName.put(key, evicted);
        if (before != null) {
            byEvicted.remove(before);
        }
        byEvicted.put(evicted, key);
        if (byName.size() <= limit) {
            return null;
        }
        Map.Entry<EventId, String> eldest = byEvicted.pollFirstEntry();
        byName.remove(eldest.getValue());
        fold(eldest.getKey());
        return eldest.getValue();
    }

    /** The newest evicted event {@code key} may have had, or null when none can have been evicted. */
    EventId evicted(String key) {
        EventId remembered = byName.get(key);
        return remembered != null ? remembered : folded;
    }

    /** The newest evicted event of {@code key} when it is remembered by name, else null. */
    EventId remembered(String key) {
        return byName.get(key);
    }

    /**
     * Whether a topic {@code covered} accepts may have lost an event after {@code last}: one remembered by name
     * that did, or any topic at all once the folded id is after {@code last}, since the names folded into it are
     * gone. O(topics remembered by name that lost an event after {@code last}), at most the limit.
     */
    boolean evictedAfter(EventId last, Predicate<String> covered) {
        if (folded != null && folded.compareTo(last) > 0) {
            return true;
        }
        for (String key : byEvicted.tailMap(last, false).values()) {
            if (covered.test(key)) {
                return true;
            }
        }
        return false;
    }

    /** Like {@link #evicted}, for a topic that holds events again, which then remembers for itself. */
    EventId take(String key) {
        EventId remembered = byName.remove(key);
        if (remembered != null) {
            byEvicted.remove(remembered);
            return remembered;
        }
        return folded;
    }

    /** Takes {@code floor} as the newest evicted event of topics not remembered by name, when it is newer. */
    void fold(EventId floor) {
        if (floor != null && (folded == null || floor.compareTo(folded) > 0)) {
            folded = floor;
        }
    }

    /** The newest evicted event of the topics no longer remembered by name, or null while none was. */
    EventId folded() {
        return folded;
    }

    void clear() {
        byName.clear();
        byEvicted.clear();
        folded = null;
    }
}
