package dev.herald.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the bench events, one POST each: {@code --publishers} threads, each with its own keep-alive
 * connection, take the next event in turn and send it when the rate says it is due; and tallies the answers.
 */
final class Publisher implements AutoCloseable {

    /** Distinct error kinds kept: statuses and exception kinds, a handful in practice. */
    private static final int MAX_ERROR_KINDS = 64;
    /** How often the waiting run wakes to print progress and look at the deadline. */
    private static final long TICK_MILLIS = 100;
    /** Between two tries of one publish with {@code --publish-retry-seconds}: a balancer's failover takes longer. */
    private static final long RETRY_MILLIS = 100;

    private final LoadOptions options;
    private final ExecutorService threads;
    private final PublishConnection[] connections;
    private final AtomicInteger answeredBelow = new AtomicInteger();
    private final AtomicLong attempted = new AtomicLong();
    private final Object lock = new Object();
    // guarded by lock: written by the publisher threads as answers come
    private final BitSet ok = new BitSet();
    private final Histogram latency = new Histogram();
    private final Map<String, Long> errors = new TreeMap<>();

    private volatile boolean stopped;
    private long firstSentAt;
    private long activeNanos;

    Publisher(LoadOptions options) {
        this.options = options;
        this.threads = Executors.newFixedThreadPool(options.publishers(), new NamedThreads("herald-bench-publish"));
        URI uri = options.publishUri(options.target().publishPath(options));
        InetSocketAddress address = new InetSocketAddress(LoadOptions.LOOPBACK, options.publishPort());
        this.connections = new PublishConnection[options.publishers()];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new PublishConnection(address, LoadOptions.LOOPBACK + ":" + options.publishPort(), uri.getRawPath(),
                    options.token());
        }
    }

    /**
     * Publishes events {@code from} to {@code to - 1} and waits for their answers; false when the deadline came
     * first. {@code tick} runs now and then on the calling thread, for progress.
     */
    boolean publish(int from, int to, long deadline, Runnable tick) throws InterruptedException {
        long start = System.nanoTime();
        if (attempted.get() == 0) {
            firstSentAt = start;
        }
        AtomicInteger next = new AtomicInteger(from);
        List<Future<?>> workers = new ArrayList<>();
        for (PublishConnection connection : connections) {
            workers.add(threads.submit(() -> {
                work(connection, next, from, to, start, deadline);
                return null;
            }));
        }
        try {
            for (Future<?> worker : workers) {
                if (!finish(worker, deadline, tick)) {
                    stop();
                    return false;
                }
            }
            return true;
        } finally {
            activeNanos += System.nanoTime() - start;
        }
    }

    /** One more than the highest seq whose publish was accepted so far. */
    int answeredBelow() {
        return answeredBelow.get();
    }

    long attempted() {
        return attempted.get();
    }

    long firstSentAt() {
        return firstSentAt;
    }

    BitSet ok() {
        synchronized (lock) {
            return (BitSet) ok.clone();
        }
    }

    LoadReport.Publish report() {
        synchronized (lock) {
            long accepted = ok.cardinality();
            double seconds = activeNanos / 1e9;
            return new LoadReport.Publish(attempted.get(), accepted, Map.copyOf(errors),
                    seconds > 0 ? accepted / seconds : 0, latency.micros());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        threads.shutdown();
        if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
            threads.shutdownNow();
        }
        for (PublishConnection connection : connections) {
            connection.close();
        }
    }

    private void work(PublishConnection connection, AtomicInteger next, int from, int to, long start, long deadline)
            throws InterruptedException {
        for (int seq = next.getAndIncrement(); seq < to && !stopped; seq = next.getAndIncrement()) {
            if (options.rate() > 0) {
                long due = start + (long) ((seq - from) * 1e9 / options.rate());
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS)));
                    if (stopped) {
                        return;
                    }
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                return;
            }
            send(connection, seq);
        }
    }

    private void send(PublishConnection connection, int seq) throws InterruptedException {
        long sentAt = System.nanoTime();
        String payload = BenchPayload.format(seq, sentAt, options.payloadBytes());
        byte[] body = options.target().publishBody(payload, options).getBytes(StandardCharsets.UTF_8);
        // with retries, the same body under the same key: a publish the server stored but did not answer is not
        // stored twice (the key's first answer comes back)
        String key = options.publishRetrySeconds() > 0 ? options.label() + "-" + seq : null;
        long giveUp = sentAt + TimeUnit.SECONDS.toNanos(options.publishRetrySeconds());
        String error;
        while (true) {
            attempted.incrementAndGet();
            try {
                int status = connection.post(body, key);
                error = status / 100 == 2 ? null : "status " + status;
            } catch (SocketTimeoutException e) {
                error = "timeout";
            } catch (IOException e) {
                error = stopped ? "stopped" : SubscriberLoop.reason(e);
            }
            if (error == null || key == null || stopped || System.nanoTime() - giveUp >= 0) {
                break;
            }
            synchronized (lock) {
                String kind = "retried after " + error;
                errors.merge(errors.size() < MAX_ERROR_KINDS || errors.containsKey(kind) ? kind : "other", 1L, Long::sum);
            }
            TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
        }
        long now = System.nanoTime();
        synchronized (lock) {
            if (error == null) {
                ok.set(seq);
                latency.record(now - sentAt);
            } else {
                errors.merge(errors.size() < MAX_ERROR_KINDS || errors.containsKey(error) ? error : "other", 1L, Long::sum);
            }
        }
        if (error == null) {
            answeredBelow.accumulateAndGet(seq + 1, Math::max);
        }
    }

    private static boolean finish(Future<?> worker, long deadline, Runnable tick) throws InterruptedException {
        while (true) {
            try {
                worker.get(TICK_MILLIS, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                tick.run();
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("a publisher thread failed", e.getCause());
            }
        }
    }

    /** Ends the publishing at once: threads blocked on an answer are released by closing their connections. */
    private void stop() {
        stopped = true;
        for (PublishConnection connection : connections) {
            connection.abort();
        }
    }
}
