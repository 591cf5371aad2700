package dev.herald.history;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The last {@code capacity} published events of this run, in id order, and the ids they get. Not thread-safe:
 * its owner serialises access, so that an id, its place in the history and its delivery happen as one step.
 */
public final class History {

    private final String run;
    private final Event[] ring;
    private long newest;

    public History(String run, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be positive: " + capacity);
        }
        this.run = run;
        this.ring = new Event[capacity];
    }

    /** Assigns the next id, keeps the event (dropping the oldest beyond capacity) and returns it. */
    public Event append(String topic, String type, String data, Integer retryMs) {
        newest++;
        Event event = new Event(new EventId(run, newest), topic, type, data, retryMs);
        ring[slot(newest)] = event;
        return event;
    }

    /** The id of the newest event, or the origin id ({@code run-0}) before the first. */
    public EventId newestId() {
        return new EventId(run, newest);
    }

    /** The retained events after {@code lastEventId} that {@code wanted} accepts, or a reset saying why not. */
    public Replay after(String lastEventId, Predicate<Event> wanted) {
        EventId last = EventId.parse(lastEventId).orElse(null);
        if (last == null) {
            return reset(Replay.ResetReason.UNKNOWN_ID);
        }
        if (!last.run().equals(run)) {
            return reset(Replay.ResetReason.OTHER_RUN);
        }
        if (last.sequence() > newest) {
            return reset(Replay.ResetReason.UNKNOWN_ID);
        }
        long oldest = Math.max(1, newest - ring.length + 1);
        if (last.sequence() < oldest - 1) {
            return reset(Replay.ResetReason.TOO_OLD);
        }
        List<Event> missed = new ArrayList<>();
        for (long sequence = last.sequence() + 1; sequence <= newest; sequence++) {
            Event event = ring[slot(sequence)];
            if (wanted.test(event)) {
                missed.add(event);
            }
        }
        return new Replay(missed, null, newestId());
    }

    private Replay reset(Replay.ResetReason reason) {
        return new Replay(List.of(), reason, newestId());
    }

    private int slot(long sequence) {
        return (int) ((sequence - 1) % ring.length);
    }
}
