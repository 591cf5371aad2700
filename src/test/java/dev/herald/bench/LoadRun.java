package dev.herald.bench;

import dev.herald.bench.SubscriberLoop.Command;
import dev.herald.bench.SubscriberLoop.Command.Kind;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One benchmark run: connect the subscribers, optionally hold them idle and measure the server's memory,
 * publish, wait for the deliveries, optionally close and reconnect everyone, and report. Runs once; never
 * exits the JVM, so a test can call it: {@code LoadReport report = new LoadRun(options).call();}
 */
public final class LoadRun implements Callable<LoadReport> {

    /** How often the run looks at the loops' counters while it waits for a phase to end. */
    private static final long POLL_MILLIS = 20;
    /** Extra wait for a phase whose every attempt is already bounded, for the loops to notice their timeouts. */
    private static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Notes say what could not be measured; a run that fails everywhere does not need more. */
    private static final int MAX_NOTES = 50;

    private final LoadOptions options;
    private final AtomicBoolean started = new AtomicBoolean();
    private final List<String> notes = new ArrayList<>();
    private final Progress progress;

    private long start;
    private long deadline;
    private boolean timedOut;
    private List<SubscriberLoop> loops;
    private List<Future<?>> running;
    private Publisher publisher;
    private double connectSeconds;
    private double idleSeconds;
    private double publishSeconds;
    private double drainSeconds;
    private double reconnectSeconds;
    private int publishedWhileDisconnected;

    public LoadRun(LoadOptions options) {
        this.options = options;
        this.progress = new Progress(options.progress(), options.label());
    }

    /**
     * Runs the benchmark and reports what it saw, also when the deadline cut it short ({@code timedOut}).
     *
     * @throws IllegalArgumentException when a {@code --server-pid} is not a readable process
     * @throws IOException when the tool cannot open a selector
     */
    @Override
    public LoadReport call() throws IOException, InterruptedException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a LoadRun runs once");
        }
        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        start = System.nanoTime();
        deadline = start + TimeUnit.SECONDS.toNanos(options.deadlineSeconds());
        ServerProbe probe = ServerProbe.of(options, this::note);
        ServerProbe.Memory before = null;
        ServerProbe.Memory after = null;
        ServerProbe.Usage usage = null;

        publisher = new Publisher(options);
        ExecutorService threads = Executors.newFixedThreadPool(options.selectors(), new NamedThreads("herald-bench-loop"));
        try {
            loops = createLoops();
            running = new ArrayList<>();
            for (SubscriberLoop loop : loops) {
                running.add(threads.submit(loop));
            }
            if (probe != null) {
                before = probe.memory(deadline);
            }
            connect();
            if (!timedOut && (probe != null || options.idleOnly())) {
                idle();
                if (probe != null) {
                    after = probe.memory(deadline);
                }
            }
            if (!timedOut && !options.idleOnly()) {
                ServerProbe.Usage begin = probe == null ? null : probe.usage();
                publishAndDrain();
                usage = begin == null ? null : probe.usage().since(begin);
            }
        } finally {
            stop(threads);
            publisher.close();
        }
        return report(startedAt, probe, before, after, usage);
    }

    /** Deals the subscribers round-robin to the selector threads; every (n/k)-th one is stalled. */
    private List<SubscriberLoop> createLoops() throws IOException {
        int n = options.subscribers();
        int k = options.stalled();
        BitSet stalled = new BitSet(n);
        for (int j = 0; j < k; j++) {
            stalled.set((int) ((long) j * n / k));
        }
        List<SubscriberLoop> created = new ArrayList<>();
        for (int i = 0; i < options.selectors(); i++) {
            Tally tally = new Tally();
            List<Subscriber> share = new ArrayList<>();
            for (int index = i; index < n; index += options.selectors()) {
                share.add(new Subscriber(index, stalled.get(index), options.target(), options.events(), start, tally));
            }
            created.add(new SubscriberLoop(share, tally, options, publisher::answeredBelow, deadline));
        }
        return created;
    }

    private void connect() throws InterruptedException {
        long begin = System.nanoTime();
        post(Kind.CONNECT, begin, null, 0);
        long pacing = options.connectRate() == 0 ? 0 : (long) (options.subscribers() * 1e9 / options.connectRate());
        long limit = begin + pacing + TimeUnit.SECONDS.toNanos(options.connectTimeoutSeconds()) + SLACK_NANOS;
        await(() -> settled() >= options.subscribers(), limit,
                () -> "connect: " + sum(t -> t.connected) + "/" + options.subscribers() + " connected, "
                        + sum(t -> t.failed) + " failed");
        connectSeconds = seconds(System.nanoTime() - begin);
        if (settled() < options.subscribers() && !timedOut) {
            note((options.subscribers() - settled()) + " subscribers still connecting when the connect phase ended");
        }
    }

    private void idle() throws InterruptedException {
        long begin = System.nanoTime();
        await(() -> false, begin + TimeUnit.SECONDS.toNanos(options.idleSeconds()),
                () -> "idle: " + sum(t -> t.open) + " streams open");
        idleSeconds = seconds(System.nanoTime() - begin);
    }

    private void publishAndDrain() throws InterruptedException {
        int events = options.events();
        int first = options.reconnectAfter() >= 0 ? options.reconnectAfter() : events;
        if (!publish(0, first) || !drain()) {
            return;
        }
        if (options.reconnectAfter() < 0) {
            return;
        }
        awaitAll(post(Kind.PARK_ALL, System.nanoTime(), null, 0));
        long parked = sum(t -> t.parked);
        if (timedOut || !publish(first, events)) {
            return;
        }
        publishedWhileDisconnected = publisher.ok().get(first, Math.max(first, events)).cardinality();
        long reconnectBegin = System.nanoTime();
        awaitAll(post(Kind.RECONNECT_ALL, reconnectBegin, null, events));
        await(() -> sum(t -> t.reconnectPending) == 0,
                reconnectBegin + TimeUnit.SECONDS.toNanos(options.connectTimeoutSeconds()) + SLACK_NANOS,
                () -> "reconnect: " + sum(t -> t.reconnectPending) + " of " + parked + " still reconnecting");
        reconnectSeconds = seconds(System.nanoTime() - reconnectBegin);
        if (!timedOut) {
            drain();
        }
    }

    private boolean publish(int from, int to) throws InterruptedException {
        long begin = System.nanoTime();
        boolean done = publisher.publish(from, to, deadline,
                () -> progress.print(() -> "publish: " + publisher.attempted() + "/" + options.events() + " sent, "
                        + sum(t -> t.received) + " deliveries"));
        publishSeconds += seconds(System.nanoTime() - begin);
        if (!done) {
            timedOut = true;
        }
        return done;
    }

    /** Waits until every live subscriber has every accepted event, or the drain time is over. */
    private boolean drain() throws InterruptedException {
        long begin = System.nanoTime();
        awaitAll(post(Kind.DRAIN_TARGET, begin, publisher.ok(), 0));
        await(() -> sum(t -> t.drainPending) == 0, begin + TimeUnit.SECONDS.toNanos(options.drainSeconds()),
                () -> "drain: " + sum(t -> t.drainPending) + " subscribers still missing events, "
                        + sum(t -> t.received) + " deliveries");
        drainSeconds += seconds(System.nanoTime() - begin);
        return !timedOut;
    }

    private List<CompletableFuture<Void>> post(Kind kind, long at, BitSet events, int replayBelow) throws InterruptedException {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (SubscriberLoop loop : loops) {
            done.add(loop.post(Command.of(kind, at, events, replayBelow)));
        }
        return done;
    }

    private void awaitAll(List<CompletableFuture<Void>> commands) throws InterruptedException {
        for (CompletableFuture<Void> command : commands) {
            long left = deadline - System.nanoTime();
            try {
                command.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                timedOut = true;
                return;
            } catch (ExecutionException e) {
                note("a subscriber loop refused a command: " + e.getCause());
                return;
            }
        }
    }

    /**
     * Polls until {@code done}, the phase's {@code limit}, the run's deadline, or a loop that stopped; false
     * unless {@code done}.
     */
    private boolean await(BooleanSupplier done, long limit, Supplier<String> line) throws InterruptedException {
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                timedOut = true;
                return false;
            }
            if (now - limit >= 0 || running.stream().anyMatch(Future::isDone)) {
                return false;
            }
            progress.print(line);
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
        return true;
    }

    private void stop(ExecutorService threads) throws InterruptedException {
        if (loops != null) {
            for (SubscriberLoop loop : loops) {
                loop.post(Command.of(Kind.STOP, 0, null, 0));
            }
        }
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            note("subscriber loops did not stop within 30 s");
            threads.shutdownNow();
        }
        if (running != null) {
            for (Future<?> loop : running) {
                try {
                    // also makes everything the loop wrote visible to this thread
                    loop.get(1, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    note("a subscriber loop failed: " + e.getCause());
                } catch (TimeoutException e) {
                    note("a subscriber loop did not finish");
                }
            }
        }
    }

    private LoadReport report(Instant startedAt, ServerProbe probe, ServerProbe.Memory before, ServerProbe.Memory after,
            ServerProbe.Usage usage) {
        Tally total = new Tally();
        loops.forEach(loop -> total.add(loop.tally));
        ExactlyOnceCheck check = new ExactlyOnceCheck(publisher.ok());
        for (SubscriberLoop loop : loops) {
            for (Subscriber s : loop.subscribers()) {
                check.add(s);
            }
        }
        long firstPublish = publisher.firstSentAt();
        double window = total.delivered && publisher.attempted() > 0 ? seconds(total.lastDeliveryAt - firstPublish) : 0;
        boolean ready = options.target().announcesReady();

        LoadReport.Server server = null;
        if (probe != null) {
            Double micros = usage == null || usage.server() == null || total.received == 0 ? null
                    : usage.server() * 1e6 / total.received;
            server = new LoadReport.Server(options.serverPids(), probe.ticksPerSecond(),
                    usage == null ? 0 : seconds(usage.at()), usage == null ? null : usage.server(), micros,
                    usage == null ? null : usage.own());
        }
        LoadReport.Memory memory = null;
        if (before != null && after != null) {
            memory = new LoadReport.Memory(check.connected, before.rss(), after.rss(), before.liveHeap(), after.liveHeap(),
                    before.nmtCommitted(), after.nmtCommitted());
        }
        LoadReport.Reconnect reconnect = null;
        if (options.reconnectAfter() >= 0) {
            reconnect = new LoadReport.Reconnect(options.reconnectAfter(), total.parked, total.reconnectedAll,
                    total.reconnectAllFailed, new LoadReport.ConnectTimes(total.reconnectHeaders.micros(),
                            ready ? total.reconnectReady.micros() : null),
                    total.replayedOnReconnect, publishedWhileDisconnected);
        }
        return new LoadReport(options.label(), options.target(), startedAt.toString(), timedOut, options,
                new LoadReport.Phases(connectSeconds, idleSeconds, publishSeconds, drainSeconds, reconnectSeconds,
                        seconds(System.nanoTime() - start)),
                new LoadReport.Subscribers(options.subscribers(), total.connected, total.failed, Map.copyOf(total.failures),
                        total.disconnectedByServer, total.reconnects, total.reconnectFailures, total.gaveUp,
                        check.resets, check.exactlyOnce),
                new LoadReport.Deliveries(check.expected(), total.received, check.lost, check.duplicated,
                        check.replayed, check.unexpected, total.foreign, window,
                        window > 0 ? total.received / window : 0),
                total.latency.micros(), total.latencyStalled.micros(), total.latencyReplayed.micros(),
                new LoadReport.ConnectTimes(total.connectHeaders.micros(), ready ? total.connectReady.micros() : null),
                new LoadReport.Stalled(options.stalled(), check.stalledConnected, check.stalledDisconnected,
                        check.stalledReconnected, check.stalledExactlyOnce, check.stalledLost, check.stalledDuplicated),
                reconnect, publisher.report(), server, memory, List.copyOf(notes));
    }

    private long settled() {
        return sum(t -> t.connected) + sum(t -> t.failed);
    }

    private interface Counter {
        long of(Tally tally);
    }

    private long sum(Counter counter) {
        long total = 0;
        for (SubscriberLoop loop : loops) {
            total += counter.of(loop.tally);
        }
        return total;
    }

    private void note(String note) {
        if (notes.size() < MAX_NOTES) {
            notes.add(note);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
