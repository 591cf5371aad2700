package dev.herald.stream;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One open stream: a bounded queue of encoded events in front of the servlet's non-blocking output. {@code send}
 * only enqueues, so a publisher never waits for a client. Draining runs on the hub's delivery executor, or on
 * the container's thread when a full socket becomes writable again; it writes everything queued and then
 * flushes once, so events that queued up while the socket was busy leave in one write. A client that stops
 * reading holds no thread: its events wait in its queue, and when the queue is full it is disconnected, to
 * reconnect with Last-Event-ID and catch up. The opening part (welcome, catch-up, ready) is written first and
 * is not counted against the bound.
 */
final class Subscriber implements SseEventSink, WriteListener {

    private static final Logger LOG = Logger.getLogger(Subscriber.class.getName());
    private static final CompletionStage<?> SENT = CompletableFuture.completedStage(null);
    private static final CompletionStage<?> CLOSED =
            CompletableFuture.failedStage(new IllegalStateException("stream closed"));
    private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);
    private static final Iterator<OutboundSseEvent> NO_OPENING = Collections.emptyIterator();
    /** Bytes written per turn on the executor before other clients get theirs. */
    private static final int BYTES_PER_TURN = 64 * 1024;
    /** Non-blocking writes never wait for the client; this only bounds the unexpected. */
    private static final Duration CONTAINER_CLOSE_WAIT = Duration.ofSeconds(5);
    /**
     * After a failed write the container ends the request itself (Tomcat dispatches an error and completes it);
     * completing it at the same moment makes Tomcat log a SEVERE race. So the container gets this long first.
     */
    private static final Duration CONTAINER_END_GRACE = Duration.ofSeconds(5);

    /** Why a stream ended. */
    enum CloseReason { CLIENT_GONE, SLOW, SHUTDOWN, BEHIND, TOKEN_EXPIRED, KICKED, LIFETIME }

    private final String clientId;
    private final List<String> topics;
    private final boolean envelope;
    private final Instant connectedAt;
    private final ServletOutputStream out;
    private final Runnable end;
    private final EventFormat format;
    private final Delivery delivery;
    private final int queueLimit;
    private final BiConsumer<Subscriber, CloseReason> onClosed;

    private final Object lock = new Object();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private Iterator<OutboundSseEvent> opening = NO_OPENING;
    /** Taken for a write it did not fit in; it goes first next time. */
    private byte[] carry;
    /** The output is ours to write: set by {@link #start()} once the runtime has finished with the request. */
    private boolean started;
    /** Threads in {@link #closeByContainer()} waiting for a drain to stop: only then does a drain notify. */
    private int waitingForDrain;
    /** A thread is draining; only that thread writes. */
    private boolean draining;
    /** The output said it is not ready; the container calls {@link #onWritePossible()} when it is. */
    private boolean awaitingWritable;
    /** The container called back while a drain was running: that drain goes on instead of stopping. */
    private boolean writableAgain;
    private boolean closed;
    /** The container has ended the request: the output must not be touched or completed any more. */
    private boolean endedByContainer;
    private boolean endCalled;
    /** The thread draining now: the container may report the end on it, and it must not wait for itself. */
    private Thread drainer;
    /** {@link System#nanoTime()} when something was last queued (or the stream opened): a heartbeat waits for quiet. */
    private long lastQueuedNanos = System.nanoTime();
    /** When the token this stream was opened with expires; null when it has none. Set once, before it starts. */
    private volatile Instant expiresAt;
    private volatile String address;
    /** When the stream ends to rebalance nodes: {@code herald.stream.max-lifetime}, less up to a tenth. */
    private volatile Instant endsAt = Instant.MAX;
    /** {@link System#nanoTime()} when the oldest event now queued was queued; read when it is written. */
    private long oldestQueuedNanos;
    /** Shutting down: end the stream once the queue is written. */
    private boolean endWhenWritten;
    /** The last write held a heartbeat: its failure is counted as one. */
    private boolean heartbeatInFlight;

    Subscriber(String clientId, List<String> topics, boolean envelope, Instant connectedAt, ServletOutputStream out,
            Runnable end, EventFormat format, Delivery delivery, int queueLimit,
            BiConsumer<Subscriber, CloseReason> onClosed) {
        this.clientId = clientId;
        this.topics = List.copyOf(topics);
        this.envelope = envelope;
        this.connectedAt = connectedAt;
        this.out = out;
        this.end = end;
        this.format = format;
        this.delivery = delivery;
        this.queueLimit = queueLimit;
        this.onClosed = onClosed;
    }

    String clientId() {
        return clientId;
    }

    List<String> topics() {
        return topics;
    }

    boolean envelope() {
        return envelope;
    }

    Instant connectedAt() {
        return connectedAt;
    }

    EventFormat format() {
        return format;
    }

    Instant expiresAt() {
        return expiresAt;
    }

    Instant endsAt() {
        return endsAt;
    }

    void endsAt(Instant endsAt) {
        this.endsAt = endsAt;
    }

    /** The client address its limits counted; set once under the hub's lock before it is registered. */
    String address() {
        return address;
    }

    void address(String address) {
        this.address = address;
    }

    void expiresAt(Instant expiresAt) {
        this.expiresAt = expiresAt;
    }

    /** Sets the opening events, produced lazily so a long catch-up costs no memory up front. */
    void open(Iterator<OutboundSseEvent> openingEvents) {
        synchronized (lock) {
            opening = openingEvents;
        }
    }

    /**
     * Starts writing. Called once the runtime is done with the request, so that nothing else uses the output:
     * the container answers with a first {@link #onWritePossible()}.
     */
    void start() {
        synchronized (lock) {
            if (closed || started) {
                return;
            }
            started = true;
            awaitingWritable = true;
        }
        try {
            out.setWriteListener(this);
        } catch (IllegalStateException e) {
            LOG.log(Level.FINE, "the stream of " + clientId + " ended before it started", e);
            close(CloseReason.CLIENT_GONE);
        }
    }

    /**
     * Enqueues a live event; never blocks. A full queue disconnects the client. Called by a broadcast under the
     * hub's lock, which then has {@link Delivery} write to every subscriber it marked.
     */
    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        byte[] bytes = EncodedEvent.bytesOf(event);
        boolean overflow;
        boolean drain = false;
        synchronized (lock) {
            if (closed) {
                return CLOSED;
            }
            overflow = queue.size() >= queueLimit;
            if (!overflow) {
                if (queue.isEmpty()) {
                    oldestQueuedNanos = System.nanoTime();
                }
                queue.add(bytes);
                lastQueuedNanos = System.nanoTime();
                drain = claimDrain();
            }
        }
        if (overflow) {
            close(CloseReason.SLOW);
            return CompletableFuture.failedFuture(new IllegalStateException("client too slow: queue full"));
        }
        if (drain) {
            delivery.mark(this);
        }
        return SENT;
    }

    /**
     * Writes a heartbeat comment when nothing was queued for {@code quietNanos} up to {@code nowNanos}, so an idle
     * stream stays open through proxies and a dead connection shows itself. A stream that carries events needs
     * none: they do both, and ten thousand heartbeats at once would only delay the next event.
     */
    void heartbeat(long nowNanos, long quietNanos) {
        boolean drain;
        synchronized (lock) {
            if (closed || nowNanos - lastQueuedNanos < quietNanos || !queue.isEmpty() || carry != null) {
                return;
            }
            queue.add(HEARTBEAT);
            lastQueuedNanos = nowNanos;
            drain = claimDrain();
        }
        if (drain) {
            delivery.drainSoon(this);
        }
    }

    @Override
    public void onWritePossible() {
        synchronized (lock) {
            awaitingWritable = false;
            if (closed) {
                return;
            }
            if (draining) {
                writableAgain = true;
                return;
            }
            draining = true;
        }
        drain();
    }

    @Override
    public void onError(Throwable failure) {
        LOG.log(Level.FINE, () -> "the stream of " + clientId + " failed: " + failure);
        close(CloseReason.CLIENT_GONE);
    }

    @Override
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    @Override
    public void close() {
        close(CloseReason.SHUTDOWN);
    }

    /**
     * Ends the stream. The request is completed here unless a drain is running; then the drain completes it
     * when it stops, so a write and the completion never overlap.
     */
    void close(CloseReason reason) {
        close(reason, true);
    }

    private void close(CloseReason reason, boolean endRequest) {
        boolean endNow;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            carry = null;
            opening = NO_OPENING;
            endNow = endRequest && !draining;
        }
        if (endNow) {
            endRequest();
        }
        onClosed.accept(this, reason);
    }

    /**
     * The container ended the request (the client went away, or it is shutting down): stop, and return only
     * once nothing writes to the request any more, because the container recycles it for another client.
     */
    void closeByContainer() {
        synchronized (lock) {
            endedByContainer = true;
        }
        close(CloseReason.CLIENT_GONE);
        long deadline = System.nanoTime() + CONTAINER_CLOSE_WAIT.toNanos();
        synchronized (lock) {
            long left;
            waitingForDrain++;
            try {
                while (draining && drainer != Thread.currentThread() && (left = deadline - System.nanoTime()) > 0) {
                    lock.wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waitingForDrain--;
            }
        }
    }

    /** Under the lock: true when the caller must start a drain. */
    private boolean claimDrain() {
        if (!started || draining || awaitingWritable) {
            return false;
        }
        draining = true;
        return true;
    }

    /** The delivery threads are gone: the hub is closing. */
    void drainRefused() {
        stopDraining();
        close(CloseReason.SHUTDOWN);
    }

    /**
     * Writes what is queued, up to a turn's worth, as one write, then flushes. Runs with {@code draining} set, on
     * one thread at a time. Each write and flush is preceded by the readiness check the non-blocking output
     * requires; a batch in one array needs one check instead of one per event.
     */
    void drain() {
        synchronized (lock) {
            drainer = Thread.currentThread();
        }
        boolean unflushed = false;
        int written = 0;
        try {
            while (true) {
                if (isClosed()) {
                    finishDrain();
                    return;
                }
                if (!out.isReady()) {
                    if (waitForWritable()) {
                        return;
                    }
                    continue;
                }
                boolean turnUsed = written >= BYTES_PER_TURN;
                Batch batch = turnUsed ? Batch.EMPTY : take();
                if (batch.length() > 0) {
                    out.write(batch.bytes(), 0, batch.length());
                    unflushed = true;
                    written += batch.length();
                    if (batch.events() > 0) {
                        delivery.metrics().delivered(batch.events(), batch.waitedNanos());
                    }
                } else if (unflushed) {
                    out.flush();
                    unflushed = false;
                } else if (turnUsed) {
                    // more may be queued: let other clients' writes run first, then go on
                    delivery.drainSoon(this);
                    return;
                } else if (finishDrain()) {
                    return;
                }
            }
        } catch (IOException | IllegalStateException e) {
            LOG.log(Level.FINE, () -> "writing to " + clientId + " failed: " + e);
            boolean heartbeat;
            synchronized (lock) {
                heartbeat = heartbeatInFlight;
            }
            if (heartbeat) {
                delivery.metrics().heartbeatFailed();
            }
            stopDraining();
            close(CloseReason.CLIENT_GONE, false);
            delivery.later(this::endRequest, CONTAINER_END_GRACE);
        }
    }

    /** Some queued events, at most a turn's worth unless one alone is larger, in one array. */
    private Batch take() {
        byte[] first;
        List<byte[]> more = null;
        int length;
        int events = 0;
        boolean heartbeat = false;
        long waited;
        synchronized (lock) {
            first = closed ? null : nextItem();
            if (first == null) {
                return Batch.EMPTY;
            }
            length = first.length;
            if (first == HEARTBEAT) {
                heartbeat = true;
            } else {
                events++;
            }
            for (byte[] next = nextItem(); next != null; next = nextItem()) {
                if (length + next.length > BYTES_PER_TURN) {
                    carry = next;
                    break;
                }
                if (more == null) {
                    more = new ArrayList<>();
                }
                more.add(next);
                length += next.length;
                if (next == HEARTBEAT) {
                    heartbeat = true;
                } else {
                    events++;
                }
            }
            waited = System.nanoTime() - oldestQueuedNanos;
            heartbeatInFlight = heartbeat;
        }
        if (more == null) {
            return new Batch(first, length, events, waited);
        }
        byte[] bytes = new byte[length];
        System.arraycopy(first, 0, bytes, 0, first.length);
        int at = first.length;
        for (byte[] item : more) {
            System.arraycopy(item, 0, bytes, at, item.length);
            at += item.length;
        }
        return new Batch(bytes, length, events, waited);
    }

    /** Under the lock: what comes next on the wire, or null. */
    private byte[] nextItem() {
        if (carry != null) {
            byte[] next = carry;
            carry = null;
            return next;
        }
        if (opening != NO_OPENING) {
            if (opening.hasNext()) {
                return EncodedEvent.bytesOf(opening.next());
            }
            // let the finished catch-up go: it holds the replay and its stream pipeline for the stream's whole life
            opening = NO_OPENING;
        }
        return queue.poll();
    }

    /** Bytes to write: the first {@code length} of {@code bytes}, holding {@code events} events (not heartbeats). */
    private record Batch(byte[] bytes, int length, int events, long waitedNanos) {
        static final Batch EMPTY = new Batch(new byte[0], 0, 0, 0);
    }

    /** The output is full: stop until the container calls back, unless it already has. True when stopped. */
    private boolean waitForWritable() {
        boolean completeNow;
        synchronized (lock) {
            if (writableAgain && !closed) {
                writableAgain = false;
                return false;
            }
            completeNow = releaseDrain(true);
        }
        if (completeNow) {
            endRequest();
        }
        return true;
    }

    /** Nothing left to write: stop, unless more arrived meanwhile. True when stopped. */
    private boolean finishDrain() {
        boolean completeNow;
        boolean endNow;
        synchronized (lock) {
            if (!closed && (carry != null || opening.hasNext() || !queue.isEmpty())) {
                return false;
            }
            completeNow = releaseDrain(false);
            endNow = endWhenWritten && !closed;
        }
        if (completeNow) {
            endRequest();
        }
        if (endNow) {
            close(CloseReason.SHUTDOWN);
        }
        return true;
    }

    /**
     * Ends the stream once what is queued is written, after a last {@code retry:} line that tells the browser how
     * long to wait before it reconnects: Herald is shutting down, and a spread of delays keeps its clients from
     * all coming back in the same second.
     */
    void endWithRetry(long retryMs) {
        boolean drain;
        synchronized (lock) {
            if (closed) {
                return;
            }
            queue.add(("retry: " + retryMs + "\n\n").getBytes(StandardCharsets.US_ASCII));
            endWhenWritten = true;
            drain = claimDrain();
        }
        if (drain) {
            delivery.drainSoon(this);
        }
    }

    /** This drain stops early (a failed write, no threads left); whoever closes the stream completes it. */
    private void stopDraining() {
        synchronized (lock) {
            releaseDrain(false);
        }
    }

    /**
     * Under the lock, in the same block as the check that decided to stop, so no send or container callback
     * falls between the two: this drain stops, and a later send, heartbeat or callback starts the next. True
     * when the stream was closed meanwhile and the caller must complete the request.
     */
    private boolean releaseDrain(boolean untilWritable) {
        writableAgain = false;
        awaitingWritable = untilWritable && !closed;
        draining = false;
        drainer = null;
        if (waitingForDrain > 0) {
            lock.notifyAll();
        }
        return closed;
    }

    /** Completes the request once, unless the container already ended it. */
    private void endRequest() {
        synchronized (lock) {
            if (endCalled || endedByContainer) {
                return;
            }
            endCalled = true;
        }
        try {
            end.run();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "ending the stream of " + clientId + " failed", e);
        }
    }
}
