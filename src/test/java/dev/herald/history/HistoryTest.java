package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private static final List<String> ALL = List.of("a", "b", "c", "quiet", "busy");

    private History history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 3, 0);
    private long sequence;
    private long now = 1_000_000;

    /** Appends the next in-memory event, as the in-memory backbone numbers them. */
    private Event append(String topic, String data) {
        Event event = new Event(new RunId("run00001", ++sequence), topic, "message", data, null);
        history.append(event, now);
        return event;
    }

    private static Event streamEvent(long millis, long sequence, String topic, String data) {
        return new Event(new StreamId(millis, sequence), topic, "message", data, null);
    }

    private static List<String> data(Replay replay) {
        assertNull(replay.reset(), "a reset");
        return replay.events().stream().map(Event::data).toList();
    }

    @Test
    void startsAtTheOriginIdAndCountsUp() {
        assertEquals("run00001-0", history.newestId().toString());

        Event first = append("a", "1");
        Event second = append(null, "2");

        assertEquals("run00001-1", first.id().toString());
        assertEquals("run00001-2", second.id().toString());
        assertEquals(second.id(), history.newestId());
        assertEquals(2, history.size());
    }

    @Test
    void replaysOnlyEventsOfTheClientsTopicsAndEventsWithoutTopicInIdOrder() {
        append("a", "1");
        append("b", "2");
        append(null, "3");

        assertEquals(List.of("3"), data(history.after("run00001-1", List.of("a"))));
        assertEquals(List.of("1", "2", "3"), data(history.after("run00001-0", List.of("b", "a"))));
        assertEquals(List.of("3"), data(history.after("run00001-0", List.of())));
        assertEquals("run00001-3", history.after("run00001-1", List.of("a")).newest().toString());
    }

    @Test
    void replaysNothingFromTheNewestId() {
        append("a", "1");

        assertEquals(List.of(), data(history.after("run00001-1", ALL)));
    }

    @Test
    void whenFullTheBusiestTopicGivesWayAndAQuietOneKeepsItsEvents() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 4, 0);
        append("quiet", "q1");
        for (int i = 1; i <= 100; i++) {
            append("busy", "b" + i);
        }

        assertEquals(4, history.size());
        assertEquals(97, history.evicted(History.Eviction.SPACE));
        // the quiet topic missed nothing that is gone: caught up from before its only event
        assertEquals(List.of("q1"), data(history.after("run00001-0", List.of("quiet"))));
        // a client of the busy topic that missed evicted events is reset; one that did not is caught up
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-50", List.of("busy")).reset());
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("quiet", "busy")).reset());
        assertEquals(List.of("b99", "b100"), data(history.after("run00001-99", List.of("quiet", "busy"))));
    }

    @Test
    void tiesGoToTheTopicWhoseOldestEventIsOldest() {
        append("a", "a1");
        append("b", "b1");
        append("c", "c1");
        // full, and the new event counts: b holds the most, so b gives way
        append("b", "b2");
        assertEquals(List.of("a1"), data(history.after("run00001-0", List.of("a"))));
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("b")).reset());
        assertEquals(List.of("b2"), data(history.after("run00001-2", List.of("b"))));

        // now a, b and c hold one each: a's is the oldest
        append(null, "n1");
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("a")).reset());
        assertEquals(List.of("c1", "n1"), data(history.after("run00001-0", List.of("c"))));
        assertEquals(List.of("b2", "n1"), data(history.after("run00001-2", List.of("b"))));
    }

    @Test
    void eventsWithoutATopicCountAsOneTopicAndReachEveryClient() {
        append(null, "n1");
        append(null, "n2");
        append("a", "a1");
        append("a", "a2");

        // the no-topic events held the most: their oldest went
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("a")).reset());
        assertEquals(List.of("n2", "a1", "a2"), data(history.after("run00001-1", List.of("a"))));
    }

    @Test
    void aTopicEmptiedByEvictionIsRememberedSoItsOldClientsAreReset() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 2, 0);
        append("a", "a1");
        append("b", "b1");
        append("c", "c1");
        append("d", "d1");

        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("a")).reset());
        assertEquals(List.of(), data(history.after("run00001-1", List.of("a"))));
        // a topic never seen missed nothing it could have had
        assertEquals(List.of("c1", "d1"), data(history.after("run00001-0", List.of("c", "d", "never"))));
        // it comes back, still knowing what it lost
        append("a", "a2");
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("a")).reset());
        assertEquals(List.of("a2"), data(history.after("run00001-1", List.of("a"))));
    }

    @Test
    void beyondTheTopicsItRemembersByNameItResetsRatherThanGuess() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 1, 0);
        append("a", "a1");
        append("b", "b1");
        // a is remembered by name (one name: the capacity); then b is, and a is folded into one floor
        append("c", "c1");

        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("b")).reset());
        // a and a topic never seen are both behind the folded floor: a reset, since the history cannot tell
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("never")).reset());
        assertEquals(List.of(), data(history.after("run00001-1", List.of("never"))));
        assertEquals(List.of("c1"), data(history.after("run00001-2", List.of("a", "c"))));
    }

    /** What a subscription's wildcard {@code o/*} covers, as the stream package's rule decides it. */
    private static final java.util.function.Predicate<String> UNDER_O = topic -> topic.startsWith("o/");

    @Test
    void aWildcardCatchesUpOnEveryHeldTopicItCoversInIdOrderAndEachEventOnce() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 10, 0);
        append("o/a", "1");
        append("o/b/c", "2");
        append("other", "3");
        append(null, "4");
        append("o/a", "5");

        assertEquals(List.of("1", "2", "4", "5"), data(history.after("run00001-0", List.of(), UNDER_O)));
        // a name the wildcard covers too is replayed once
        assertEquals(List.of("2", "4", "5"), data(history.after("run00001-1", List.of("o/a"), UNDER_O)));
        assertEquals(List.of("3", "4", "5"), data(history.after("run00001-2", List.of("other"), UNDER_O)));
        // what the wildcard's filter refuses (a private topic without a grant, say) is not replayed
        assertEquals(List.of("2", "4"), data(history.after("run00001-0", List.of(),
                topic -> UNDER_O.test(topic) && !topic.equals("o/a"))));
    }

    @Test
    void aWildcardIsResetWhenATopicItCoversLostAnEventAfterItsId() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 3, 0);
        append("o/quiet", "q1");
        append("o/busy", "b1");
        append("o/busy", "b2");
        append("o/busy", "b3");
        append("x", "x1");

        // b1 and b2 gave way: a client of o/* from before them must reload; one after them catches up
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-1", List.of(), UNDER_O).reset());
        assertEquals(List.of("b3", "x1"), data(history.after("run00001-3", List.of("x"), UNDER_O)));
        // what it does not cover may lose events without resetting it
        assertEquals(List.of("x1"), data(history.after("run00001-1", List.of("x"), t -> t.equals("o/quiet"))));
    }

    @Test
    void aWildcardIsResetForATopicRememberedByNameOrFolded() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 1, 0);
        append("o/a", "a1");
        append("p/b", "b1");
        // o/a was emptied and is remembered by name: a client of o/* from before a1 is reset, of p/* is not
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of(), UNDER_O).reset());
        assertEquals(List.of("b1"), data(history.after("run00001-0", List.of(), t -> t.startsWith("p/"))));

        append("q/c", "c1");
        append("r/d", "d1");
        // o/a is folded now, p/b too: no name says which topics lost what before c1, so o/* resets from before it
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-1", List.of(), UNDER_O).reset());
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-1", List.of(), t -> t.startsWith("z/")).reset());
        // after the folded id nothing is unknown: exact again
        assertEquals(List.of("d1"), data(history.after("run00001-3", List.of(), t -> t.startsWith("r/"))));
    }

    @Test
    void eventsPastTheMaximumAgeGoWhateverTheirTopic() {
        history = new History(RunId.scheme("run00001"), History.Decisions.HERE, 100, 60_000);
        append("quiet", "old");
        now += 30_000;
        append("busy", "b1");
        now += 31_000;
        append("busy", "b2");

        // the append itself evicts what is past the age
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-0", List.of("quiet")).reset());
        assertEquals(List.of("b1", "b2"), data(history.after("run00001-1", List.of("quiet", "busy"))));
        history.expire(now + 30_000);
        assertEquals(List.of("b2"), data(history.after("run00001-2", List.of("busy"))));
        assertEquals(Replay.ResetReason.TOO_OLD, history.after("run00001-1", List.of("busy")).reset());
        assertEquals(1, history.size());
        assertEquals(2, history.evicted(History.Eviction.AGE));
        assertEquals(0, history.evicted(History.Eviction.SPACE));
    }

    @Test
    void aRedisIdsAgeIsItsOwnTimeSoEveryNodeAgrees() {
        History stream = new History(StreamId.SCHEME, History.Decisions.HERE, 100, 1000);
        stream.append(streamEvent(10_000, 0, "a", "a1"), 0);
        // whenever this node received it, an event stored at 11,500 ms makes the one of 10,000 ms too old
        stream.append(streamEvent(11_500, 0, "b", "b1"), 0);

        assertEquals(Replay.ResetReason.TOO_OLD, stream.after("0-0", List.of("a")).reset());
        assertEquals(List.of("b1"), data(stream.after("10000-0", List.of("a", "b"))));
    }

    @Test
    void resetsForAnIdOfAnotherRun() {
        append("a", "1");

        Replay replay = history.after("other001-1", ALL);

        assertEquals(Replay.ResetReason.OTHER_RUN, replay.reset());
        assertEquals("run00001-1", replay.newest().toString());
    }

    @Test
    void resetsForAnIdItNeverAssigned() {
        append("a", "1");

        assertEquals(Replay.ResetReason.UNKNOWN_ID, history.after("run00001-2", ALL).reset());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, history.after("nonsense", ALL).reset());
    }

    @Test
    void placesStreamIdsThatAreNotContiguousAndResetsInMemoryOnes() {
        History stream = new History(StreamId.SCHEME, History.Decisions.HERE, 3, 0);
        assertEquals("0-0", stream.newestId().toString());
        stream.append(streamEvent(100, 0, null, "a"), 0);
        stream.append(streamEvent(100, 1, null, "b"), 0);
        stream.append(streamEvent(250, 0, null, "c"), 0);

        assertEquals(List.of("b", "c"), data(stream.after("100-0", ALL)));
        // an id between two entries is a position too, as in XRANGE
        assertEquals(List.of("c"), data(stream.after("200-7", ALL)));
        assertEquals(3, stream.after("0-0", ALL).events().size());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, stream.after("run00001-1", ALL).reset());
        assertEquals(Replay.ResetReason.UNKNOWN_ID, stream.after("300-0", ALL).reset());
        assertTrue(stream.isAhead("300-0"));
        assertFalse(stream.isAhead("250-0"));
        assertFalse(stream.isAhead("run00001-9"));
    }

    @Test
    void aRestoredHistoryHoldsWhatWasDecidedAndDecidesTheRestAsEveryNodeDoes() {
        History stream = new History(StreamId.SCHEME, History.Decisions.SHARED, 3, 0);
        Map<String, EventId> evicted = new HashMap<>();
        evicted.put("a", new StreamId(6, 0));
        evicted.put("gone", new StreamId(4, 0));
        evicted.put(null, new StreamId(3, 0));
        // decided up to 9-0; 10-0 and 11-0 were stored after, and no node stored its decisions for them yet
        stream.restore(new HeldEvents(new StreamId(2, 0), new StreamId(9, 0), List.of(streamEvent(7, 0, "a", "a7"),
                streamEvent(9, 0, "q", "q9"), streamEvent(10, 0, "a", "a10"), streamEvent(11, 0, "a", "a11")),
                evicted, new StreamId(1, 0), List.of()), 0);

        assertEquals("11-0", stream.newestId().toString());
        assertEquals(Replay.ResetReason.TOO_OLD, stream.after("1-0", List.of("q")).reset());
        assertEquals(Replay.ResetReason.TOO_OLD, stream.after("3-5", List.of("gone")).reset());
        // decided here: a gave way, its oldest (7-0) went, and q kept its one event
        assertEquals(List.of("q9"), data(stream.after("6-0", List.of("q"))));
        assertEquals(Replay.ResetReason.TOO_OLD, stream.after("6-0", List.of("a")).reset());
        assertEquals(List.of("a10", "a11"), data(stream.after("7-0", List.of("a"))));
        assertEquals(1, stream.evicted(History.Eviction.SPACE));
        // and recorded, for the backbone to store
        RetentionChanges changes = stream.drainChanges();
        assertEquals(new StreamId(11, 0), changes.upTo());
        assertEquals(List.of(new StreamId(7, 0)), changes.evicted());
        assertEquals(List.of(new RetentionChanges.Floor("a", new StreamId(7, 0))), changes.floors());
        assertEquals(new StreamId(1, 0), changes.folded());
        assertEquals(List.of(), stream.drainChanges().evicted(), "drained");
    }

    @Test
    void sharedDecisionsRecordEveryFloorThatChangedAndIgnoreTheNodesClock() {
        History stream = new History(StreamId.SCHEME, History.Decisions.SHARED, 1, 1000);
        stream.append(streamEvent(10, 0, "a", "a10"), 0);
        stream.append(streamEvent(20, 0, "b", "b20"), 0);
        // a is forgotten by name (one topic remembered: the history's capacity)
        assertEquals(List.of(new RetentionChanges.Floor("a", new StreamId(10, 0))), stream.drainChanges().floors());
        stream.append(streamEvent(30, 0, "c", "c30"), 0);
        // b goes, and a, the eldest remembered, is folded: its floor is then the folded id's
        RetentionChanges changes = stream.drainChanges();
        assertEquals(List.of(new StreamId(20, 0)), changes.evicted());
        assertEquals(List.of(new RetentionChanges.Floor("b", new StreamId(20, 0)),
                new RetentionChanges.Floor("a", null)), changes.floors());
        assertEquals(new StreamId(10, 0), changes.folded());
        // a holds again, from the folded id: stored too, as a node that starts could not tell
        stream.append(streamEvent(40, 0, "a", "a40"), 0);
        assertTrue(stream.drainChanges().floors().contains(new RetentionChanges.Floor("a", new StreamId(10, 0))));

        // the sweep goes by this node's clock: deciding alike, only an event's id tells the time
        stream.expire(1_000_000);
        assertEquals(1, stream.size());
        stream.append(streamEvent(5000, 0, "d", "d5000"), 0);
        assertEquals(1, stream.evicted(History.Eviction.AGE));
        assertEquals(List.of("d5000"), data(stream.after("40-0", List.of("a", "d"))));
    }

    @Test
    void refusesAnEventThatIsNotNewer() {
        append("a", "1");
        assertThrows(IllegalArgumentException.class,
                () -> history.append(new Event(new RunId("run00001", 1), null, "message", "again", null), now));
    }
}
