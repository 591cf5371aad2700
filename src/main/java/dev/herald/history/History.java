package dev.herald.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The last {@code capacity} published events, in id order, as this node has seen them. In memory it is the only
 * copy; on Redis it mirrors the end of the stream, so a reconnecting client catches up without a round trip.
 * Not thread-safe: its owner serialises access, so that an event's place here and its delivery happen as one step.
 */
public final class History {

    private final IdScheme ids;
    private final Event[] ring;
    /** Slot of the oldest retained event. */
    private int head;
    private int count;
    /** The newest event no longer retained, or the origin: a client at this id has missed nothing retained. */
    private EventId floor;

    public History(IdScheme ids, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be positive: " + capacity);
        }
        this.ids = ids;
        this.ring = new Event[capacity];
        this.floor = ids.origin();
    }

    public IdScheme ids() {
        return ids;
    }

    /** Keeps a newer event, dropping the oldest beyond capacity. */
    public void append(Event event) {
        if (event.id().compareTo(newestId()) <= 0) {
            throw new IllegalArgumentException("event " + event.id() + " is not after " + newestId());
        }
        if (count == ring.length) {
            floor = ring[head].id();
            ring[head] = event;
            head = (head + 1) % ring.length;
        } else {
            ring[(head + count) % ring.length] = event;
            count++;
        }
    }

    /**
     * Replaces what is retained: {@code events} in id order, all after {@code floor}, the newest event before them
     * that is no longer available (or the origin when none ever was).
     */
    public void retain(EventId floor, List<Event> events) {
        this.floor = floor;
        this.head = 0;
        this.count = 0;
        Arrays.fill(ring, null);
        int from = Math.max(0, events.size() - ring.length);
        if (from > 0) {
            this.floor = events.get(from - 1).id();
        }
        for (int i = from; i < events.size(); i++) {
            append(events.get(i));
        }
    }

    /** The id of the newest event, or the floor (at first the origin, e.g. {@code run-0}) when none is retained. */
    public EventId newestId() {
        return count == 0 ? floor : at(count - 1).id();
    }

    /** The retained events after {@code lastEventId} that {@code wanted} accepts, or a reset saying why not. */
    public Replay after(String lastEventId, Predicate<Event> wanted) {
        IdScheme.Parsed parsed = ids.parse(lastEventId);
        if (parsed.reset() != null) {
            return reset(parsed.reset());
        }
        EventId last = parsed.id();
        if (last.compareTo(newestId()) > 0) {
            return reset(Replay.ResetReason.UNKNOWN_ID);
        }
        if (last.compareTo(floor) < 0) {
            return reset(Replay.ResetReason.TOO_OLD);
        }
        List<Event> missed = new ArrayList<>();
        for (int i = firstAfter(last); i < count; i++) {
            Event event = at(i);
            if (wanted.test(event)) {
                missed.add(event);
            }
        }
        return new Replay(missed, null, newestId());
    }

    /** Whether {@code lastEventId} is an id of this history's form that is newer than anything retained. */
    public boolean isAhead(String lastEventId) {
        IdScheme.Parsed parsed = ids.parse(lastEventId);
        return parsed.id() != null && parsed.id().compareTo(newestId()) > 0;
    }

    /** The index of the first retained event after {@code id}; ids need not be contiguous, so search. */
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
        return ring[(head + index) % ring.length];
    }

    private Replay reset(Replay.ResetReason reason) {
        return new Replay(List.of(), reason, newestId());
    }
}
