package dev.herald.stream;

import static dev.herald.stream.StreamState.ACCEPTED;
import static dev.herald.stream.StreamState.BLOCKED;
import static dev.herald.stream.StreamState.ENDED;
import static dev.herald.stream.StreamState.ENDING;
import static dev.herald.stream.StreamState.ENDING_WRITING;
import static dev.herald.stream.StreamState.FAILED;
import static dev.herald.stream.StreamState.GONE_WRITING;
import static dev.herald.stream.StreamState.IDLE;
import static dev.herald.stream.StreamState.WRITING;
import static dev.herald.stream.StreamState.WRITING_RECALLED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Every transition of a stream, written out: a change to the table is a change to this test. */
class StreamStateTest {

    private static final Map<String, UnaryOperator<StreamState>> EVENTS = new LinkedHashMap<>();

    static {
        EVENTS.put("start", StreamState::start);
        EVENTS.put("queued", StreamState::queued);
        EVENTS.put("writable", StreamState::writable);
        EVENTS.put("notReady", StreamState::notReady);
        EVENTS.put("drained", StreamState::drained);
        EVENTS.put("end", StreamState::end);
        EVENTS.put("finish", StreamState::finish);
        EVENTS.put("containerEnded", StreamState::containerEnded);
        EVENTS.put("writeFailed", StreamState::writeFailed);
        EVENTS.put("stopped", StreamState::stopped);
        EVENTS.put("graceExpired", StreamState::graceExpired);
    }

    /** Every change; any pair of a state and an event not listed leaves the state as it is. */
    private static final Map<String, StreamState> CHANGES = Map.ofEntries(
            Map.entry("ACCEPTED start", BLOCKED),
            Map.entry("IDLE queued", WRITING),
            Map.entry("BLOCKED writable", WRITING),
            Map.entry("WRITING writable", WRITING_RECALLED),
            Map.entry("WRITING notReady", BLOCKED),
            Map.entry("WRITING_RECALLED notReady", WRITING),
            Map.entry("WRITING drained", IDLE),
            Map.entry("WRITING_RECALLED drained", IDLE),
            Map.entry("ACCEPTED end", ENDING),
            Map.entry("BLOCKED end", ENDING),
            Map.entry("IDLE end", ENDING),
            Map.entry("WRITING end", ENDING_WRITING),
            Map.entry("WRITING_RECALLED end", ENDING_WRITING),
            Map.entry("ENDING finish", ENDED),
            Map.entry("ENDING_WRITING finish", ENDED),
            Map.entry("ACCEPTED containerEnded", ENDED),
            Map.entry("BLOCKED containerEnded", ENDED),
            Map.entry("IDLE containerEnded", ENDED),
            Map.entry("ENDING containerEnded", ENDED),
            Map.entry("FAILED containerEnded", ENDED),
            Map.entry("WRITING containerEnded", GONE_WRITING),
            Map.entry("WRITING_RECALLED containerEnded", GONE_WRITING),
            Map.entry("ENDING_WRITING containerEnded", GONE_WRITING),
            Map.entry("WRITING writeFailed", FAILED),
            Map.entry("WRITING_RECALLED writeFailed", FAILED),
            Map.entry("ENDING_WRITING writeFailed", FAILED),
            Map.entry("GONE_WRITING writeFailed", ENDED),
            Map.entry("GONE_WRITING stopped", ENDED),
            Map.entry("FAILED graceExpired", ENDED));

    @Test
    void everyStateAndEventLeadsWhereTheTableSays() {
        for (StreamState state : StreamState.values()) {
            EVENTS.forEach((event, transition) -> {
                StreamState expected = CHANGES.getOrDefault(state + " " + event, state);
                assertEquals(expected, transition.apply(state), state + " " + event);
            });
        }
    }

    @Test
    void onceOverAStreamNeverOpensOrWritesAgain() {
        for (StreamState state : StreamState.values()) {
            if (!state.isOver()) {
                continue;
            }
            for (UnaryOperator<StreamState> transition : EVENTS.values()) {
                StreamState next = transition.apply(state);
                assertTrue(next.isOver(), state + " became " + next);
                assertFalse(next.isOpen());
            }
        }
    }

    @Test
    void theStatesSayWhoWrites() {
        assertTrue(ACCEPTED.isOpen() && !ACCEPTED.isWriting());
        assertTrue(WRITING.isWriting() && WRITING_RECALLED.isWriting() && ENDING_WRITING.isWriting());
        assertTrue(GONE_WRITING.isWriting() && GONE_WRITING.isOver());
        assertFalse(ENDING.isOpen() || ENDING.isWriting() || ENDING.isOver());
        assertTrue(ENDED.isOver() && FAILED.isOver() && !IDLE.isOver());
    }
}
