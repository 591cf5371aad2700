package dev.herald.history;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the history remembers of topics it no longer holds any event of: the newest evicted event of each, for
 * the last {@code limit} topics emptied. Beyond that, the newest of all the forgotten ones stands for every topic
 * not remembered by name, a topic never seen included: a client of such a topic older than it gets a reset,
 * perhaps needlessly, never a gap.
 */
final class ForgottenTopics {

    private final int limit;
    private final Map<String, EventId> recent = new LinkedHashMap<>();
    /** The newest evicted event of any topic forgotten by name, or null while none was. */
    private EventId folded;

    /** @param limit topics remembered by name; the history passes its capacity, so this stays within its bound */
    ForgottenTopics(int limit) {
        this.limit = limit;
    }

    /** {@code key} has no event left; {@code evicted} was its newest. */
    void forget(String key, EventId evicted) {
        recent.put(key, evicted);
        if (recent.size() > limit) {
            var eldest = recent.entrySet().iterator();
            EventId floor = eldest.next().getValue();
            eldest.remove();
            fold(floor);
        }
    }

    /** The newest evicted event {@code key} may have had, or null when none can have been evicted. */
    EventId evicted(String key) {
        EventId remembered = recent.get(key);
        return remembered != null ? remembered : folded;
    }

    /**
     * Whether a topic {@code covered} accepts may have lost an event after {@code last}: one remembered by name
     * that did, or any topic at all once the folded id is after {@code last}, since the names folded into it are
     * gone. O(topics remembered by name), at most the limit.
     */
    boolean evictedAfter(EventId last, Predicate<String> covered) {
        if (folded != null && folded.compareTo(last) > 0) {
            return true;
        }
        for (Map.Entry<String, EventId> topic : recent.entrySet()) {
            if (topic.getValue().compareTo(last) > 0 && covered.test(topic.getKey())) {
                return true;
            }
        }
        return false;
    }

    /** Like {@link #evicted}, for a topic that holds events again, which then remembers for itself. */
    EventId take(String key) {
        EventId remembered = recent.remove(key);
        return remembered != null ? remembered : folded;
    }

    /** Takes {@code floor} as the newest evicted event of topics not remembered by name, when it is newer. */
    void fold(EventId floor) {
        if (floor != null && (folded == null || floor.compareTo(folded) > 0)) {
            folded = floor;
        }
    }

    void clear() {
        recent.clear();
        folded = null;
    }
}
