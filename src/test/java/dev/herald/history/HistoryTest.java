package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private final History history = new History(RunId.scheme("run00001"), 3);
    private long sequence;

    /** Appends the next in-memory event, as the in-memory backbone numbers them. */
    private Event append(String topic, String type, String data, Integer retryMs) {
        Event event = new Event(new RunId("run00001", ++sequence), topic, type, data, retryMs);
        history.append(event);
        return event;
    }

    private static Event streamEvent(long millis, long sequence, String data) {
        return new Event(new StreamId(millis, sequence), null, "message", data, null);
    }

    @Test
    void startsAtTheOriginIdAndCountsUp() {
        assertEquals("run00001-0", history.newestId().toString());

        Event first = append("a", "message", "1", null);
        Event second = append(null, "message", "2", 2000);

        assertEquals("run00001-1", first.id().toString());
        assertEquals("run00001-2", second.id().toString());
        assertEquals(second.id(), history.newestId());
    }

    @Test
    void replaysOnlyEventsAfterLastEventIdThatTheClientWants() {
        append("a", "message", "1", null);
        append("b", "message", "2", null);
        append(null, "message", "3", null);

        Replay replay = history.after("run00001-1", event -> !event.hasTopic() || event.topic().equals("a"));

        assertFalse(replay.isReset());
        assertEquals(List.of("3"), replay.events().stream().map(Event::data).toList());
        assertEquals("run00001-3", replay.newest().toString());
    }

    @Test
    void replaysNothingFromTheNewestId() {
        append("a", "message", "1", null);

        Replay replay = history.after("run00001-1", event -> true);

        assertNull(replay.reset());
        assertEquals(List.of(), replay.events());
    }

    @Test
    void replaysEverythingRetainedFromTheOriginIdWhileNothingWasDropped() {
        append("a", "message", "1", null);
        append("a", "message", "2", null);
        append("a", "message", "3", null);

        assertEquals(3, history.after("run00001-0", event -> true).events().size());
    }

    @Test
    void resetsWhenTheIdIsOlderThanTheHistory() {
        for (int i = 1; i <= 5; i++) {
            append("a", "message", String.valueOf(i), null);
        }

        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-1", event -> true).reset());
        assertEquals(List.of("3", "4", "5"),
                history.after("run00001-2", event -> true).events().stream().map(Event::data).toList());
    }

    @Test
    void resetsForAnIdOfAnotherRun() {
        append("a", "message", "1", null);

        Replay replay = history.after("other001-1", event -> true);

        assertEquals(Replay.ResetReason.OTHER_RUN, replay.reset());
        assertEquals("run00001-1", replay.newest().toString());
    }

    @Test
    void resetsForAnIdItNeverAssigned() {
        append("a", "message", "1", null);

        assertEquals(Replay.ResetReason.UNKNOWN_ID, history.after("run00001-2", event -> true).reset());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, history.after("nonsense", event -> true).reset());
    }

    @Test
    void placesStreamIdsThatAreNotContiguousAndResetsInMemoryOnes() {
        History stream = new History(StreamId.SCHEME, 3);
        assertEquals("0-0", stream.newestId().toString());
        stream.append(streamEvent(100, 0, "a"));
        stream.append(streamEvent(100, 1, "b"));
        stream.append(streamEvent(250, 0, "c"));

        assertEquals(List.of("b", "c"), stream.after("100-0", e -> true).events().stream().map(Event::data).toList());
        // an id between two entries is a position too, as in XRANGE
        assertEquals(List.of("c"), stream.after("200-7", e -> true).events().stream().map(Event::data).toList());
        assertEquals(3, stream.after("0-0", e -> true).events().size());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, stream.after("run00001-1", e -> true).reset());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, stream.after("300-0", e -> true).reset());
        assertTrue(stream.isAhead("300-0"));
        assertFalse(stream.isAhead("250-0"));
        assertFalse(stream.isAhead("run00001-9"));
    }

    @Test
    void aRetainedHistoryStartsAfterItsFloor() {
        History stream = new History(StreamId.SCHEME, 2);
        stream.retain(new StreamId(5, 0), List.of(streamEvent(7, 0, "a"), streamEvent(8, 0, "b"), streamEvent(9, 0, "c")));

        // only the newest two fit: the first becomes the floor
        assertEquals("9-0", stream.newestId().toString());
        assertEquals(Replay.ResetReason.TOO_OLD, stream.after("5-0", e -> true).reset());
        assertEquals(List.of("b", "c"), stream.after("7-0", e -> true).events().stream().map(Event::data).toList());

        stream.append(streamEvent(10, 0, "d"));
        assertEquals(Replay.ResetReason.TOO_OLD, stream.after("7-0", e -> true).reset());
        assertEquals(List.of("c", "d"), stream.after("8-0", e -> true).events().stream().map(Event::data).toList());
    }

    @Test
    void refusesAnEventThatIsNotNewer() {
        append("a", "message", "1", null);
        assertThrows(IllegalArgumentException.class,
                () -> history.append(new Event(new RunId("run00001", 1), null, "message", "again", null)));
    }
}
