package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private final History history = new History("run00001", 3);

    @Test
    void startsAtTheOriginIdAndCountsUp() {
        assertEquals("run00001-0", history.newestId().toString());

        Event first = history.append("a", "message", "1", null);
        Event second = history.append(null, "message", "2", 2000);

        assertEquals("run00001-1", first.id().toString());
        assertEquals("run00001-2", second.id().toString());
        assertEquals(second.id(), history.newestId());
    }

    @Test
    void replaysOnlyEventsAfterLastEventIdThatTheClientWants() {
        history.append("a", "message", "1", null);
        history.append("b", "message", "2", null);
        history.append(null, "message", "3", null);

        Replay replay = history.after("run00001-1", event -> !event.hasTopic() || event.topic().equals("a"));

        assertFalse(replay.isReset());
        assertEquals(List.of("3"), replay.events().stream().map(Event::data).toList());
        assertEquals("run00001-3", replay.newest().toString());
    }

    @Test
    void replaysNothingFromTheNewestId() {
        history.append("a", "message", "1", null);

        Replay replay = history.after("run00001-1", event -> true);

        assertNull(replay.reset());
        assertEquals(List.of(), replay.events());
    }

    @Test
    void replaysEverythingRetainedFromTheOriginIdWhileNothingWasDropped() {
        history.append("a", "message", "1", null);
        history.append("a", "message", "2", null);
        history.append("a", "message", "3", null);

        assertEquals(3, history.after("run00001-0", event -> true).events().size());
    }

    @Test
    void resetsWhenTheIdIsOlderThanTheHistory() {
        for (int i = 1; i <= 5; i++) {
            history.append("a", "message", String.valueOf(i), null);
        }

        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-1", event -> true).reset());
        assertEquals(List.of("3", "4", "5"),
                history.after("run00001-2", event -> true).events().stream().map(Event::data).toList());
    }

    @Test
    void resetsForAnIdOfAnotherRun() {
        history.append("a", "message", "1", null);

        Replay replay = history.after("other001-1", event -> true);

        assertEquals(Replay.ResetReason.OTHER_RUN, replay.reset());
        assertEquals("run00001-1", replay.newest().toString());
    }

    @Test
    void resetsForAnIdItNeverAssigned() {
        history.append("a", "message", "1", null);

        assertEquals(Replay.ResetReason.UNKNOWN_ID, history.after("run00001-2", event -> true).reset());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, history.after("nonsense", event -> true).reset());
    }
}
