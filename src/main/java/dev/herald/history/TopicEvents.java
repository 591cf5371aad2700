package dev.herald.history;

import java.util.Comparator;
import java.util.List;

/**
 * The events one topic holds, oldest first, in a ring that grows as the topic does (and starts at two slots, as
 * most topics hold a few events), with the time each one counts its age from. Also the newest event of the topic
 * that was evicted, which decides whether a client of the topic can still be caught up. Owned by {@link History}.
 */
final class TopicEvents {

    /** The topic to evict from first: the one holding the most events, ties to the one whose oldest is oldest. */
    static final Comparator<TopicEvents> LARGEST_FIRST = (a, b) -> {
        int bySize = Integer.compare(b.count, a.count);
        return bySize != 0 ? bySize : a.oldest().id().compareTo(b.oldest().id());
    };
    /** The topic whose oldest event is oldest first: where age evictions start. */
    static final Comparator<TopicEvents> OLDEST_FIRST = (a, b) -> a.oldest().id().compareTo(b.oldest().id());

    /** The topic's name, or {@link History#NO_TOPIC} for events without one. */
    final String key;
    private Event[] events = new Event[2];
    private long[] bornAt = new long[2];
    private int head;
    private int count;
    /** The newest event of this topic no longer held, or null when none was evicted since it was last empty. */
    private EventId evicted;

    TopicEvents(String key, EventId evicted) {
        this.key = key;
        this.evicted = evicted;
    }

    int size() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    EventId evicted() {
        return evicted;
    }

    Event oldest() {
        return events[head];
    }

    long oldestBornAt() {
        return bornAt[head];
    }

    void add(Event event, long born) {
        if (count == events.length) {
            resize(events.length * 2);
        }
        int slot = (head + count) % events.length;
        events[slot] = event;
        bornAt[slot] = born;
        count++;
    }

    /** Drops the oldest event, which becomes the newest evicted one. */
    Event evictOldest() {
        Event oldest = events[head];
        events[head] = null;
        head = (head + 1) % events.length;
        count--;
        evicted = oldest.id();
        if (count < events.length / 4) {
            // a topic that was busy and is now quiet gives its slots back
            resize(events.length / 2);
        }
        return oldest;
    }

    /** Adds the held events after {@code id} to {@code into}, oldest first. */
    void addAfter(EventId id, List<Event> into) {
        for (int i = firstAfter(id); i < count; i++) {
            into.add(at(i));
        }
    }

    /** Ids need not be contiguous, so search. */
    private int firstAfter(EventId id) {
        int low = 0;
        int high = count;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (at(middle).id().compareTo(id) <= 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private Event at(int index) {
        return events[(head + index) % events.length];
    }

    private void resize(int length) {
        Event[] grownEvents = new Event[length];
        long[] grownBornAt = new long[length];
        for (int i = 0; i < count; i++) {
            int slot = (head + i) % events.length;
            grownEvents[i] = events[slot];
            grownBornAt[i] = bornAt[slot];
        }
        events = grownEvents;
        bornAt = grownBornAt;
        head = 0;
    }

    @Override
    public String toString() {
        return key + " (" + count + ")";
    }
}
