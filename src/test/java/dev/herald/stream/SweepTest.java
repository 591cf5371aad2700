package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SweepTest {

    private final Sweep sweep = new Sweep(Clock.systemUTC(), Duration.ofSeconds(15));

    private static StreamHarness live(Instant expiresAt, Instant endsAt) {
        StreamHarness stream = new StreamHarness(10, 0, expiresAt, endsAt);
        stream.start();
        stream.quiesce();
        return stream;
    }

    @Test
    void endsAStreamWhoseTokenExpiredAndOneThatReachedItsLifetime() {
        StreamHarness expired = live(Instant.now().minusSeconds(1), Instant.MAX);
        StreamHarness old = live(null, Instant.now().minusSeconds(1));
        StreamHarness fine = live(Instant.now().plusSeconds(60), Instant.now().plusSeconds(60));

        sweep.run(List.of(expired.subscriber, old.subscriber, fine.subscriber), System.nanoTime());

        assertEquals(List.of(Subscriber.CloseReason.TOKEN_EXPIRED), expired.reports);
        assertEquals(List.of(Subscriber.CloseReason.LIFETIME), old.reports);
        assertTrue(fine.reports.isEmpty());
        assertEquals(StreamState.IDLE, fine.subscriber.state());
    }

    @Test
    void aHeartbeatGoesOnlyToAStreamQuietForTheInterval() {
        StreamHarness stream = live(null, Instant.MAX);
        long now = System.nanoTime();

        sweep.run(List.of(stream.subscriber), now);
        stream.quiesce();
        assertEquals("", stream.output.flushed.toString());

        sweep.run(List.of(stream.subscriber), now + TimeUnit.SECONDS.toNanos(16));
        stream.quiesce();
        assertEquals(": heartbeat\n\n", stream.output.flushed.toString());
    }
}
