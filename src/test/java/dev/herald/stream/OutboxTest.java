package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {

    private static byte[] event(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Outbox.Batch batch) {
        return new String(batch.bytes(), 0, batch.length(), StandardCharsets.UTF_8);
    }

    @Test
    void givesTheOpeningFirstForTheDrainToEncodeThenEverythingQueuedInOneArray() {
        Outbox outbox = new Outbox(10);
        JerseyEvents sse = new JerseyEvents();
        outbox.open(List.<jakarta.ws.rs.sse.OutboundSseEvent>of(
                new PreEncodedEvent(sse.newEventBuilder().comment("hello").build())).iterator());
        outbox.add(event("a\n\n"), System.nanoTime());
        outbox.add(event("b\n\n"), System.nanoTime());

        Outbox.Opening opening = outbox.opening();
        Outbox.Batch first = opening.take(outbox.openedNanos());
        outbox.rest(opening);

        assertEquals(": hello\n\n", text(first));
        assertEquals(null, outbox.opening(), "the opening is all taken");
        Outbox.Batch queued = outbox.take();
        assertEquals("a\n\nb\n\n", text(queued));
        assertEquals(2, queued.events());
        assertTrue(outbox.isDrained());
        assertEquals(0, outbox.take().length());
    }

    @Test
    void anOpeningLargerThanATurnComesInTurnsAndWhatDidNotFitComesFirstNext() {
        Outbox outbox = new Outbox(10);
        JerseyEvents sse = new JerseyEvents();
        String big = "x".repeat(Outbox.BYTES_PER_TURN / 2);
        List<jakarta.ws.rs.sse.OutboundSseEvent> events = List.of(
                new PreEncodedEvent(sse.newEventBuilder().data(String.class, big).build()),
                new PreEncodedEvent(sse.newEventBuilder().data(String.class, big).build()),
                new PreEncodedEvent(sse.newEventBuilder().comment("last").build()));
        outbox.open(events.iterator());
        outbox.add(event("live\n\n"), System.nanoTime());

        Outbox.Opening turn = outbox.opening();
        assertEquals(1, turn.take(outbox.openedNanos()).events());
        outbox.rest(turn);
        turn = outbox.opening();
        Outbox.Batch second = turn.take(outbox.openedNanos());
        outbox.rest(turn);

        assertEquals(2, second.events(), "the one left over, then the last");
        assertTrue(text(second).endsWith(": last\n\n"));
        assertEquals(null, outbox.opening());
        assertEquals("live\n\n", text(outbox.take()));
    }

    @Test
    void refusesALiveEventBeyondItsLimit() {
        Outbox outbox = new Outbox(2);

        assertTrue(outbox.add(event("1"), System.nanoTime()));
        assertTrue(outbox.add(event("2"), System.nanoTime()));
        assertFalse(outbox.add(event("3"), System.nanoTime()));
        assertEquals("12", text(outbox.take()));
    }

    @Test
    void aTurnTakesAtMostItsBytesAndTheRestComesNext() {
        Outbox outbox = new Outbox(10);
        byte[] big = new byte[Outbox.BYTES_PER_TURN - 10];
        outbox.add(big, System.nanoTime());
        outbox.add(event("0123456789ab"), System.nanoTime());

        assertEquals(big.length, outbox.take().length());
        assertFalse(outbox.isDrained());
        assertEquals("0123456789ab", text(outbox.take()));
    }

    @Test
    void aHeartbeatOnlyWhenQuietAndNothingWaits() {
        Outbox outbox = new Outbox(10);
        long now = System.nanoTime();

        assertFalse(outbox.addHeartbeatIfQuiet(now, 1_000_000_000L));
        assertTrue(outbox.addHeartbeatIfQuiet(now + 2_000_000_000L, 1_000_000_000L));
        assertFalse(outbox.addHeartbeatIfQuiet(now + 9_000_000_000L, 1_000_000_000L), "one already waits");
        Outbox.Batch batch = outbox.take();
        assertEquals(": heartbeat\n\n", text(batch));
        assertTrue(batch.heartbeat());
        assertEquals(0, batch.events());
    }

    @Test
    void theEndOfAStreamIsReachedOnlyOnceEverythingBeforeItIsTaken() {
        Outbox outbox = new Outbox(10);
        outbox.add(event("a\n\n"), System.nanoTime());
        outbox.addLastRetry(4000);
        outbox.add(event("after the end\n\n"), System.nanoTime());

        assertFalse(outbox.reachedEnd());
        assertEquals("a\n\nretry: 4000\n\n", text(outbox.take()));
        assertTrue(outbox.reachedEnd());
        assertEquals(0, outbox.take().length(), "nothing after the end is written");
    }

    @Test
    void theQueueKeepsItsOrderWhenItWrapsAroundAndGrows() {
        Outbox outbox = new Outbox(100);
        for (int i = 0; i < 6; i++) {
            outbox.add(event("a" + i), System.nanoTime());
        }
        assertEquals("a0a1a2a3a4a5", text(outbox.take()));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            outbox.add(event("b" + i), System.nanoTime());
            expected.append("b").append(i);
        }

        Outbox.Batch batch = outbox.take();
        assertEquals(expected.toString(), text(batch));
        assertEquals(30, batch.events());
        assertTrue(outbox.isDrained());
    }

    @Test
    void whatABatchWaitedIsCountedFromItsOldestEventsPublication() {
        Outbox outbox = new Outbox(10);
        long published = System.nanoTime() - 5_000_000_000L;
        outbox.add(event("old"), published);
        outbox.add(event("new"), System.nanoTime());

        assertTrue(outbox.take().waitedNanos() >= 5_000_000_000L);
    }
}
