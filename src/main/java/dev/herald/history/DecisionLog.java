package dev.herald.history;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What a history deciding {@link History.Decisions#SHARED} decided since it was last drained: the events it took,
 * those it evicted, and the topics whose newest evicted event changed. A history deciding for its node alone keeps
 * {@link #NONE}, which records nothing. Owned by {@link History}; the backbone drains it every 20 ms or 1,000 events,
 * so it holds at most those events' decisions.
 */
class DecisionLog {

    /** Records nothing: a history deciding for its node alone has nobody to tell. */
    static final DecisionLog NONE = new DecisionLog() {
        @Override
        void took(Event event) {
        }

        @Override
        void evicted(EventId id, String key) {
        }

        @Override
        void floorChanged(String key) {
        }
    };

    /** In order; some may be evicted since. */
    private final List<Event> taken = new ArrayList<>();
    private final List<EventId> evicted = new ArrayList<>();
    private final Set<String> floorsChanged = new LinkedHashSet<>();

    void took(Event event) {
        taken.add(event);
    }

    /** {@code id}, of the topic {@code key}, is no longer held: the topic's newest evicted event changed too. */
    void evicted(EventId id, String key) {
        evicted.add(id);
        floorsChanged.add(key);
    }

    void floorChanged(String key) {
        floorsChanged.add(key);
    }

    /**
     * What was recorded, as of {@code upTo}, and forgets it: {@code floorOf} tells each changed topic's newest evicted
     * event now (null: none remembered by name), {@code folded} the folded id.
     */
    RetentionChanges drain(EventId upTo, Function<String, EventId> floorOf, EventId folded) {
        List<RetentionChanges.Floor> floors = new ArrayList<>(floorsChanged.size());
        for (String key : floorsChanged) {
            floors.add(new RetentionChanges.Floor(key.equals(History.NO_TOPIC) ? null : key, floorOf.apply(key)));
        }
        RetentionChanges changes = new RetentionChanges(upTo, RetentionChanges.withoutEvicted(taken, evicted),
                List.copyOf(evicted), floors, folded);
        clear();
        return changes;
    }

    void clear() {
        taken.clear();
        evicted.clear();
        floorsChanged.clear();
    }
}
