package dev.herald.stream;

import dev.herald.threads.OwnedThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The once-a-second pass over this node's streams: a stream whose token has expired ends, one that has reached its
 * lifetime ends, and one that was quiet for {@code herald.heartbeat.seconds} gets a heartbeat. Checking every
 * second rather than sending to everyone every interval spreads the heartbeats out, as streams fall quiet at
 * different moments. It also lets the history drop events past {@code herald.history.max-age}. Runs on a thread
 * of its own, {@code herald-sweep}, holding no lock while it acts.
 */
public final class Sweep implements AutoCloseable {

    private static final Duration PERIOD = Duration.ofSeconds(1);

    private final Clock clock;
    private final long quietNanos;
    private final OwnedThreads threads = new OwnedThreads("herald-sweep");
    private ScheduledExecutorService executor;

    public Sweep(Clock clock, Duration heartbeatInterval) {
        this.clock = clock;
        this.quietNanos = heartbeatInterval.toNanos();
    }

    /** Sweeps {@code hub}'s streams every second until closed. */
    public synchronized void start(Hub hub) {
        executor = Executors.newSingleThreadScheduledExecutor(threads);
        executor.scheduleWithFixedDelay(() -> {
            hub.expireHistory();
            run(hub.openStreams(), System.nanoTime());
        },
                PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over {@code streams} at {@code nowNanos} ({@link System#nanoTime()}) and the clock's now. */
    void run(List<Subscriber> streams, long nowNanos) {
        Instant now = clock.instant();
        for (Subscriber stream : streams) {
            Client client = stream.client();
            if (client.expiresAt() != null && !now.isBefore(client.expiresAt())) {
                // the client reconnects after its retry delay, with a fresh token if it has one
                stream.close(Subscriber.CloseReason.TOKEN_EXPIRED);
            } else if (!now.isBefore(client.endsAt())) {
                // reconnecting through the load balancer spreads streams over the nodes again
                stream.close(Subscriber.CloseReason.LIFETIME);
            } else {
                stream.heartbeat(nowNanos, quietNanos);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            threads.join(Duration.ofSeconds(2));
        }
    }
}
