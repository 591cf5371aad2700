package dev.herald.stream;

import dev.herald.metrics.HeraldMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads that write to subscribers. Writes never block, so there is one thread per core. A broadcast marks
 * the subscribers it gave work to and then hands them over in groups: one task per group rather than one per
 * subscriber keeps the fan-out to ten thousand streams from being mostly queue traffic.
 */
final class Delivery implements AutoCloseable {

    /** Subscribers drained by one task; small enough that the cores share a broadcast evenly. */
    private static final int SUBSCRIBERS_PER_TASK = 64;

    private final OwnedThreads deliveryThreads = new OwnedThreads("herald-delivery");
    private final OwnedThreads timerThreads = new OwnedThreads("herald-delivery-timer");
    private final ExecutorService executor;
    /** Runs what must wait a little: the end of a stream whose write failed, see {@link Subscriber}. */
    private final ScheduledExecutorService timer;
    /** Marked by the current broadcast; guarded by the hub's lock, like every broadcast. */
    private List<Subscriber> marked = new ArrayList<>();

    private final HeraldMetrics metrics;

    Delivery(HeraldMetrics metrics) {
        this.metrics = metrics;
        this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                deliveryThreads);
        this.timer = Executors.newSingleThreadScheduledExecutor(timerThreads);
    }

    HeraldMetrics metrics() {
        return metrics;
    }

    /** Under the hub's lock: {@code subscriber} has events to write; see {@link #dispatch()}. */
    void mark(Subscriber subscriber) {
        marked.add(subscriber);
    }

    /** Under the hub's lock, after a broadcast: starts writing to every subscriber it marked. */
    void dispatch() {
        if (marked.isEmpty()) {
            return;
        }
        List<Subscriber> batch = marked;
        marked = new ArrayList<>();
        for (int from = 0; from < batch.size(); from += SUBSCRIBERS_PER_TASK) {
            List<Subscriber> group = batch.subList(from, Math.min(batch.size(), from + SUBSCRIBERS_PER_TASK));
            try {
                executor.execute(() -> group.forEach(Subscriber::drain));
            } catch (RejectedExecutionException e) {
                group.forEach(Subscriber::drainRefused);
            }
        }
    }

    /** Starts writing to one subscriber now, outside any broadcast. */
    void drainSoon(Subscriber subscriber) {
        try {
            executor.execute(subscriber::drain);
        } catch (RejectedExecutionException e) {
            subscriber.drainRefused();
        }
    }

    /** Runs {@code task} after {@code delay}, or at once when delivery is closing. */
    void later(Runnable task, Duration delay) {
        try {
            timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow().forEach(Runnable::run);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        deliveryThreads.join(Duration.ofSeconds(5));
        timerThreads.join(Duration.ofSeconds(1));
    }
}
