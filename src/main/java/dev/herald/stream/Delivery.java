package dev.herald.stream;

import dev.herald.metrics.HeraldMetrics;
import dev.herald.threads.OwnedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads that write to subscribers. Writes never block, so there is one thread per core. A broadcast marks
 * the subscribers it gave work to and then hands them over in groups: one task per group rather than one per
 * subscriber keeps the fan-out to ten thousand streams from being mostly queue traffic. The same threads finish
 * the streams a broadcast found too slow, so that no stream ends inside a broadcast.
 *
 * <p>Two pools: what a broadcast hands over runs on {@code herald-delivery-*}; what continues a long write (a
 * catch-up of thousands of events, 64 KiB a turn), a heartbeat or a shutdown's last line runs on
 * {@code herald-delivery-bulk-*}, half as many. So when a hundred clients come back at once and replay their
 * catch-ups, the live events of everyone else are not queued behind those turns, and the bulk work, which never
 * waits for the live work either, takes at most half the cores.
 */
public final class Delivery implements AutoCloseable {

    /** Subscribers drained by one task; small enough that the cores share a broadcast evenly. */
    private static final int SUBSCRIBERS_PER_TASK = 64;
    /**
     * After a failed write the container ends the request itself (Tomcat dispatches an error and completes it);
     * completing it at the same moment makes Tomcat log a SEVERE race. So the container gets this long first.
     */
    static final Duration CONTAINER_END_GRACE = Duration.ofSeconds(5);

    /** Runs what a broadcast hands over. */
    private final Executor live;
    /** Runs the rest: the next turn of a long write, heartbeats, shutdowns' last lines. */
    private final Executor bulk;
    /** Runs a task {@link #CONTAINER_END_GRACE} from now. */
    private final Executor afterGrace;
    private final HeraldMetrics metrics;
    /** Stops the threads this delivery owns; nothing for one that runs on a test's executors. */
    private final Runnable stop;
    /**
     * Marked by the current broadcast, in groups of {@link #SUBSCRIBERS_PER_TASK}: each full group is one task to
     * come, and {@code group} fills with the next, {@code inGroup} of it so far. Fixed arrays, so a broadcast to ten
     * thousand streams never copies a growing list. Guarded by the hub's lock, like every broadcast.
     */
    private final List<Subscriber[]> fullGroups = new ArrayList<>();
    private Subscriber[] group = new Subscriber[SUBSCRIBERS_PER_TASK];
    private int inGroup;

    /** On a test's executor: one for both pools, run in the order given. */
    Delivery(Executor writers, Executor afterGrace, HeraldMetrics metrics) {
        this(writers, writers, afterGrace, metrics, () -> { });
    }

    private Delivery(Executor live, Executor bulk, Executor afterGrace, HeraldMetrics metrics, Runnable stop) {
        this.live = live;
        this.bulk = bulk;
        this.afterGrace = afterGrace;
        this.metrics = metrics;
        this.stop = stop;
    }

    /**
     * Delivery on threads of its own: {@code herald-delivery-*} (one per core, at least two),
     * {@code herald-delivery-bulk-*} (half as many, at least one) and a timer.
     */
    public static Delivery withOwnThreads(HeraldMetrics metrics) {
        OwnedThreads liveThreads = new OwnedThreads("herald-delivery");
        OwnedThreads bulkThreads = new OwnedThreads("herald-delivery-bulk");
        OwnedThreads timerThreads = new OwnedThreads("herald-delivery-timer");
        int cores = Runtime.getRuntime().availableProcessors();
        ExecutorService live = Executors.newFixedThreadPool(Math.max(2, cores), liveThreads);
        ExecutorService bulk = Executors.newFixedThreadPool(Math.max(1, cores / 2), bulkThreads);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(timerThreads);
        Executor afterGrace = task -> timer.schedule(task, CONTAINER_END_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        return new Delivery(live, bulk, afterGrace, metrics, () -> {
            // what waits for the grace runs now: those requests are completed before the threads go
            timer.shutdownNow().forEach(Runnable::run);
            liveThreads.shutDownAndJoin(live, Duration.ofSeconds(10));
            bulkThreads.shutDownAndJoin(bulk, Duration.ofSeconds(10));
            timerThreads.join(Duration.ofSeconds(1));
        });
    }

    HeraldMetrics metrics() {
        return metrics;
    }

    /** Under the hub's lock: {@code subscriber} has something to write or must end; see {@link #dispatch()}. */
    void mark(Subscriber subscriber) {
        group[inGroup++] = subscriber;
        if (inGroup == SUBSCRIBERS_PER_TASK) {
            fullGroups.add(group);
            group = new Subscriber[SUBSCRIBERS_PER_TASK];
            inGroup = 0;
        }
    }

    /** Under the hub's lock, after a broadcast: starts draining every subscriber it marked. */
    void dispatch() {
        for (Subscriber[] full : fullGroups) {
            dispatch(full, SUBSCRIBERS_PER_TASK);
        }
        fullGroups.clear();
        if (inGroup > 0) {
            dispatch(group, inGroup);
            group = new Subscriber[SUBSCRIBERS_PER_TASK];
            inGroup = 0;
        }
    }

    /** The first {@code count} of {@code subscribers}, drained by one task. */
    private void dispatch(Subscriber[] subscribers, int count) {
        try {
            live.execute(() -> {
                for (int i = 0; i < count; i++) {
                    subscribers[i].drain();
                }
            });
        } catch (RejectedExecutionException e) {
            // only once the hub has closed, when no stream is left to broadcast to
            for (int i = 0; i < count; i++) {
                subscribers[i].drainRefused();
            }
        }
    }

    /** Starts draining one subscriber soon, outside any broadcast, on a bulk thread. */
    void drainSoon(Subscriber subscriber) {
        try {
            bulk.execute(subscriber::drain);
        } catch (RejectedExecutionException e) {
            subscriber.drainRefused();
        }
    }

    /** Runs {@code task} after {@link #CONTAINER_END_GRACE}, or at once when delivery is closing. */
    void afterGrace(Runnable task) {
        try {
            afterGrace.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** Stops the threads, after the hub has ended every stream. */
    @Override
    public void close() {
        stop.run();
    }
}
