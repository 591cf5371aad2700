package dev.herald.bench;

import dev.herald.bench.Subscriber.Attempt;
import dev.herald.bench.Subscriber.State;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.URI;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One selector thread that connects, reads and reconnects a share of the subscribers over non-blocking
 * channels, so a single process holds tens of thousands of streams. The run steers it with {@link Command}s;
 * it also stops by itself shortly after the run's deadline.
 */
final class SubscriberLoop implements Runnable {

    /** One read buffer for all connections of the loop: each connection keeps only its unfinished line. */
    private static final int READ_BUFFER_BYTES = 8 * 1024;
    /** Reads of one connection per wakeup, so a busy stream cannot starve the others. */
    private static final int READS_PER_WAKEUP = 4;
    /** How often timeouts, stalls and reconnect delays are looked at; they are seconds long, so this is precise enough. */
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A stream the server ended is reopened after this, doubling after each failed attempt up to the maximum. */
    private static final long RECONNECT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_RECONNECT_DELAY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Failed reconnections in a row after which a subscriber gives up, so a dead server does not keep it spinning. */
    private static final int MAX_CONSECUTIVE_FAILURES = 10;
    /** The run sends a handful of commands per phase. */
    private static final int MAX_COMMANDS = 16;
    /** The loop outlives the run's deadline by this at most, so the run can still stop it cleanly. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** What the run asks of the loop; {@code done} completes once the loop has done it. */
    record Command(Kind kind, long at, BitSet events, int replayBelow, CompletableFuture<Void> done) {
        enum Kind { CONNECT, DRAIN_TARGET, PARK_ALL, RECONNECT_ALL, STOP }

        static Command of(Kind kind, long at, BitSet events, int replayBelow) {
            return new Command(kind, at, events, replayBelow, new CompletableFuture<>());
        }
    }

    final Tally tally;
    private final Subscriber[] subscribers;
    private final LoadOptions options;
    private final InetSocketAddress address;
    private final String host;
    private final String path;
    /** The stream path of the subscribers that subscribe with a wildcard ({@code --wildcard-percent}), or null. */
    private final String wildcardPath;
    private final IntSupplier publishedSoFar;
    private final long stopAt;
    private final Selector selector;
    private final BlockingQueue<Command> commands = new ArrayBlockingQueue<>(MAX_COMMANDS);
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final byte[] bytes = new byte[READ_BUFFER_BYTES];
    private final long connectTimeoutNanos;
    private final long stallNanos;

    private Subscriber[] pending = new Subscriber[0];
    private int cursor;
    private long lastSweep;
    private boolean stopping;

    /** {@code subscribers} share {@code tally}, which only this loop's thread writes to. */
    SubscriberLoop(List<Subscriber> subscribers, Tally tally, LoadOptions options, IntSupplier publishedSoFar,
            long deadline) throws IOException {
        this.subscribers = subscribers.toArray(new Subscriber[0]);
        this.tally = tally;
        this.options = options;
        this.address = new InetSocketAddress(LoadOptions.LOOPBACK, options.port());
        this.host = LoadOptions.LOOPBACK + ":" + options.port();
        URI stream = options.uri(options.target().streamPath(options));
        this.path = stream.getRawPath() + (stream.getRawQuery() == null ? "" : "?" + stream.getRawQuery());
        URI wildcard = options.wildcardPercent() == 0 ? null : options.uri(options.target().wildcardStreamPath(options));
        this.wildcardPath = wildcard == null ? null : wildcard.getRawPath() + "?" + wildcard.getRawQuery();
        this.publishedSoFar = publishedSoFar;
        this.stopAt = deadline + GRACE_NANOS;
        this.connectTimeoutNanos = TimeUnit.SECONDS.toNanos(options.connectTimeoutSeconds());
        this.stallNanos = TimeUnit.SECONDS.toNanos(options.stallSeconds());
        this.selector = Selector.open();
    }

    Subscriber[] subscribers() {
        return subscribers;
    }

    /** Hands a command to the loop's thread; the returned future completes when it has been carried out. */
    CompletableFuture<Void> post(Command command) throws InterruptedException {
        if (!commands.offer(command, 10, TimeUnit.SECONDS)) {
            command.done().completeExceptionally(new IllegalStateException("the subscriber loop does not take commands"));
        }
        selector.wakeup();
        return command.done();
    }

    @Override
    public void run() {
        try {
            while (!stopping && System.nanoTime() - stopAt < 0) {
                step();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the subscribers' selector failed", e);
        } finally {
            stopping = true;
            for (Subscriber s : subscribers) {
                close(s);
            }
            closeSelector();
            for (Command command; (command = commands.poll()) != null; ) {
                command.done().complete(null);
            }
        }
    }

    private void step() throws IOException {
        long now = System.nanoTime();
        for (Command command; (command = commands.poll()) != null; ) {
            carryOut(command, now);
        }
        openDue(now);
        long wait = waitMillis(System.nanoTime());
        // the consumer forms skip the selected-key set, whose iteration costs its largest size ever, every time
        if (wait == 0) {
            selector.selectNow(this::handle);
        } else {
            selector.select(this::handle, wait);
        }
        now = System.nanoTime();
        if (now - lastSweep >= SWEEP_NANOS) {
            sweep(now);
        }
    }

    private void carryOut(Command command, long now) throws IOException {
        switch (command.kind()) {
            case CONNECT -> {
                for (Subscriber s : subscribers) {
                    s.state = State.PENDING;
                    s.nextAttempt = Attempt.INITIAL;
                    s.dueAt = options.connectRate() == 0 ? command.at()
                            : command.at() + (long) (s.index * 1e9 / options.connectRate());
                }
                pending = subscribers.clone();
                cursor = 0;
            }
            case DRAIN_TARGET -> tally.drainTarget(command.events(), subscribers);
            case PARK_ALL -> {
                for (Subscriber s : subscribers) {
                    if (s.isLive()) {
                        close(s);
                        s.state = State.PARKED;
                        tally.parked++;
                    }
                }
                // closed channels give back their descriptors only once the selector has dropped their keys
                selector.selectNow(key -> { });
            }
            case RECONNECT_ALL -> {
                List<Subscriber> parked = new ArrayList<>();
                for (Subscriber s : subscribers) {
                    if (s.state == State.PARKED) {
                        s.state = State.PENDING;
                        s.nextAttempt = Attempt.RECONNECT_ALL;
                        s.replayBelow = command.replayBelow();
                        s.dueAt = now;
                        parked.add(s);
                    }
                }
                pending = parked.toArray(new Subscriber[0]);
                cursor = 0;
                tally.reconnectPending = pending.length;
            }
            case STOP -> stopping = true;
        }
        command.done().complete(null);
    }

    /** Opens the connections whose turn has come, at most a batch per pass so reads are not held up. */
    private void openDue(long now) {
        int budget = options.connectBatch();
        while (cursor < pending.length && budget > 0) {
            Subscriber s = pending[cursor];
            if (s.state == State.PENDING && s.dueAt - now > 0) {
                return;
            }
            cursor++;
            if (s.state == State.PENDING) {
                open(s, System.nanoTime());
                budget--;
            }
        }
    }

    private long waitMillis(long now) {
        if (cursor < pending.length) {
            long until = pending[cursor].dueAt - now;
            if (until <= 0) {
                return 0;
            }
            return Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(SWEEP_NANOS), TimeUnit.NANOSECONDS.toMillis(until)));
        }
        return TimeUnit.NANOSECONDS.toMillis(SWEEP_NANOS);
    }

    private void open(Subscriber s, long now) {
        s.begin(s.nextAttempt, now);
        if (s.attempt == Attempt.AFTER_EOF) {
            // without a ready event, what was published before the reconnection is taken as its catch-up
            s.replayBelow = publishedSoFar.getAsInt();
        }
        try {
            SocketChannel channel = SocketChannel.open();
            s.channel = channel;
            s.state = State.CONNECTING;
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (s.stalled) {
                // before connect, so the small window is what the server sees from the start
                channel.setOption(StandardSocketOptions.SO_RCVBUF, options.stalledRcvbuf());
            }
            if (channel.connect(address)) {
                s.key = channel.register(selector, 0, s);
                send(s);
            } else {
                s.key = channel.register(selector, SelectionKey.OP_CONNECT, s);
            }
        } catch (IOException e) {
            failAttempt(s, reason(e), now);
        }
    }

    private void send(Subscriber s) throws IOException {
        s.unsent = ByteBuffer.wrap(s.request(host, wildcardPath != null && options.subscribesWithWildcard(s.index)
                ? wildcardPath : path));
        s.state = State.SENDING;
        keepSending(s);
    }

    private void keepSending(Subscriber s) throws IOException {
        s.channel.write(s.unsent);
        if (s.unsent.hasRemaining()) {
            s.key.interestOps(SelectionKey.OP_WRITE);
        } else {
            s.unsent = null;
            s.state = State.HEAD;
            s.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void handle(SelectionKey key) {
        Subscriber s = (Subscriber) key.attachment();
        if (!key.isValid() || s.key != key) {
            return;
        }
        try {
            if (key.isConnectable()) {
                if (s.channel.finishConnect()) {
                    send(s);
                }
            } else if (key.isWritable()) {
                keepSending(s);
            } else if (key.isReadable()) {
                read(s);
            }
        } catch (IOException e) {
            long now = System.nanoTime();
            if (s.state == State.STREAM && s.established) {
                if (e instanceof ProtocolException) {
                    // a broken stream is dropped and resumed like an ended one, but it is not the server's choice
                    tally.failure(reason(e));
                }
                streamEnded(s, now);
            } else {
                failAttempt(s, reason(e), now);
            }
        }
    }

    private void read(Subscriber s) throws IOException {
        for (int reads = 0; reads < READS_PER_WAKEUP; reads++) {
            readBuffer.clear();
            int n = s.channel.read(readBuffer);
            long now = System.nanoTime();
            if (n < 0) {
                if (s.state == State.STREAM && s.established) {
                    streamEnded(s, now);
                } else {
                    failAttempt(s, s.state == State.HEAD ? "closed before headers" : "closed before ready", now);
                }
                return;
            }
            if (n == 0) {
                return;
            }
            readBuffer.flip();
            readBuffer.get(bytes, 0, n);
            s.onBytes(bytes, n, now);
            if (s.failure != null) {
                failAttempt(s, s.failure, now);
                return;
            }
            if (s.ended) {
                if (s.established) {
                    streamEnded(s, now);
                } else {
                    failAttempt(s, "ended before ready", now);
                }
                return;
            }
            if (s.stallNow) {
                s.stallNow = false;
                s.state = State.STALLED;
                s.dueAt = now + stallNanos;
                s.key.interestOps(0);
                return;
            }
            if (n < bytes.length) {
                return;
            }
        }
    }

    /** Times out slow connections, ends stalls, and reopens streams whose reconnect delay is over. */
    private void sweep(long now) {
        lastSweep = now;
        for (Subscriber s : subscribers) {
            switch (s.state) {
                case CONNECTING, SENDING, HEAD -> {
                    if (now - s.attemptStartedAt > connectTimeoutNanos) {
                        failAttempt(s, "timeout", now);
                    }
                }
                case STREAM -> {
                    if (!s.established && now - s.attemptStartedAt > connectTimeoutNanos) {
                        failAttempt(s, "timeout before ready", now);
                    }
                }
                case STALLED -> {
                    if (now - s.dueAt >= 0) {
                        s.state = State.STREAM;
                        s.key.interestOps(SelectionKey.OP_READ);
                    }
                }
                case WAITING -> {
                    if (now - s.dueAt >= 0) {
                        open(s, now);
                    }
                }
                default -> {
                }
            }
        }
    }

    /** The server closed an established stream. */
    private void streamEnded(Subscriber s, long now) {
        close(s);
        s.disconnects++;
        tally.disconnectedByServer++;
        if (options.reconnectOnEof() && !stopping) {
            waitToReconnect(s, now, RECONNECT_DELAY_NANOS);
        } else {
            retire(s, State.ENDED);
        }
    }

    private void failAttempt(Subscriber s, String reason, long now) {
        close(s);
        tally.failure(reason);
        switch (s.attempt) {
            case INITIAL -> {
                tally.failed++;
                retire(s, State.FAILED);
                return;
            }
            case RECONNECT_ALL -> {
                tally.reconnectAllFailed++;
                tally.reconnectPending--;
            }
            case AFTER_EOF -> tally.reconnectFailures++;
        }
        if (++s.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES || stopping) {
            tally.gaveUp++;
            retire(s, State.FAILED);
        } else {
            long delay = Math.min(MAX_RECONNECT_DELAY_NANOS, RECONNECT_DELAY_NANOS << Math.min(16, s.consecutiveFailures));
            waitToReconnect(s, now, delay);
        }
    }

    private void waitToReconnect(Subscriber s, long now, long delay) {
        s.state = State.WAITING;
        s.nextAttempt = Attempt.AFTER_EOF;
        s.dueAt = now + delay;
    }

    private void retire(Subscriber s, State state) {
        tally.retired(s);
        s.state = state;
    }

    private void close(Subscriber s) {
        if (s.channel == null) {
            return;
        }
        if (s.established) {
            tally.open--;
            s.established = false;
        }
        try {
            s.channel.close();
        } catch (IOException e) {
            tally.failure("close: " + reason(e));
        }
        s.channel = null;
        s.key = null;
        s.unsent = null;
    }

    private void closeSelector() {
        try {
            selector.close();
        } catch (IOException e) {
            tally.failure("selector close: " + reason(e));
        }
    }

    /** A short, bounded name for why an I/O operation failed, to count failures by. */
    static String reason(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof ConnectException) {
            return message.contains("refused") ? "refused" : "connect: " + message;
        }
        if (e instanceof ProtocolException) {
            return "protocol: " + message;
        }
        if (message.contains("Too many open files")) {
            return "too many open files";
        }
        if (message.contains("reset")) {
            return "reset";
        }
        if (message.contains("Broken pipe")) {
            return "broken pipe";
        }
        if (message.contains("Cannot assign requested address")) {
            return "no local port";
        }
        return e.getClass().getSimpleName() + ": " + message;
    }
}
