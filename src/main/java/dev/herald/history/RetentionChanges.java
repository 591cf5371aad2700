package dev.herald.history;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a history deciding {@link History.Decisions#SHARED} decided since it was last asked, for the backbone to
 * store so that a node that starts holds the same: the events it took and still holds ({@code held}, in order), the
 * events it evicted, the newest evicted event of each topic whose one changed ({@link Floor}), and the folded id, all
 * as of {@code upTo}, the newest event it had then.
 */
public record RetentionChanges(EventId upTo, List<Event> held, List<EventId> evicted, List<Floor> floors,
        EventId folded) {

    /**
     * The newest evicted event of {@code topic} (null: events without one) that the history remembers, or null when
     * it remembers none by name any more (its id is then no newer than the folded one).
     */
    public record Floor(String topic, EventId evicted) {
    }

    /** These changes, then {@code later}: as of the later one, each topic's floor the later one's when it has one. */
    public RetentionChanges then(RetentionChanges later) {
        List<Event> stillHeld = withoutEvicted(held, later.evicted);
        stillHeld.addAll(later.held);
        List<EventId> both = new ArrayList<>(evicted.size() + later.evicted.size());
        both.addAll(evicted);
        both.addAll(later.evicted);
        Map<String, Floor> byTopic = new LinkedHashMap<>();
        floors.forEach(floor -> byTopic.put(floor.topic(), floor));
        later.floors.forEach(floor -> byTopic.put(floor.topic(), floor));
        return new RetentionChanges(later.upTo, stillHeld, both, new ArrayList<>(byTopic.values()), later.folded);
    }

    /** The events of {@code taken} not in {@code evicted}, in order, in a new list. */
    static List<Event> withoutEvicted(List<Event> taken, List<EventId> evicted) {
        Set<EventId> gone = new HashSet<>(evicted);
        List<Event> kept = new ArrayList<>(taken.size());
        for (Event event : taken) {
            if (!gone.contains(event.id())) {
                kept.add(event);
            }
        }
        return kept;
    }
}
