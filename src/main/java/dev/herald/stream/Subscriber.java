package dev.herald.stream;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One open stream: a bounded queue of encoded events in front of the servlet's non-blocking output. {@code send}
 * only enqueues, so a publisher never waits for a client. A drain writes everything queued and then flushes once,
 * so events that queued up while the socket was busy leave in one write; it runs on a delivery thread, or on the
 * container's thread when a full socket becomes writable again. A client that stops reading holds no thread: its
 * events wait in its queue, and when the queue is full it is disconnected, to reconnect with Last-Event-ID and
 * catch up. The opening (welcome, catch-up, ready) is written first and does not count against the bound.
 *
 * <p>Its life is one {@link StreamState}, changed only under this object's lock; the side effects of a change
 * (writing, completing the request, reporting the end to the hub) happen after the lock is released.
 *
 * <p>Threads: {@link #send} runs in a broadcast, under the hub's lock; it never ends the stream itself, it hands
 * a stream that must go to a delivery thread. Lock order: the hub's lock, then this one; never the reverse, so
 * nothing here calls the hub while holding this lock. The end is reported to the hub ({@code onEnded}) on a
 * thread that holds neither.
 */
final class Subscriber implements SseEventSink, WriteListener {

    private static final Logger LOG = Logger.getLogger(Subscriber.class.getName());
    private static final CompletionStage<?> SENT = CompletableFuture.completedStage(null);
    private static final CompletionStage<?> CLOSED =
            CompletableFuture.failedStage(new IllegalStateException("stream closed"));
    private static final CompletionStage<?> TOO_SLOW =
            CompletableFuture.failedStage(new IllegalStateException("client too slow: queue full"));
    /** Non-blocking writes never wait for the client; this only bounds the unexpected. */
    private static final Duration CONTAINER_CLOSE_WAIT = Duration.ofSeconds(5);
    /** How long a container timing a stream out waits for a running drain to write its last retry: line. */
    private static final Duration LAST_RETRY_WAIT = Duration.ofSeconds(1);

    /** Why a stream ended. */
    enum CloseReason { CLIENT_GONE, SLOW, SHUTDOWN, BEHIND, TOKEN_EXPIRED, KICKED, LIFETIME }

    private final Client client;
    private final ServletOutputStream out;
    /** Completes the request; run at most once, and never after the container ended it. */
    private final Runnable complete;
    private final Delivery delivery;
    private final BiConsumer<Subscriber, CloseReason> onEnded;

    /**
     * Guards the state and the outbox. An object of its own: locking the outbox itself (one object fewer for a
     * broadcast's send to touch) was slower in the fan-out benchmark, in two pairs of runs out of three.
     */
    private final Object lock = new Object();
    // guarded by lock
    private StreamState state = StreamState.ACCEPTED;
    /** Why the stream ends; set by the change that starts its end. */
    private CloseReason reason;
    private final Outbox outbox;
    /** The thread running a drain now: the container may report the end on it, and it must not wait for itself. */
    private Thread drainer;

    Subscriber(Client client, ServletOutputStream out, Runnable complete, Delivery delivery, int queueLimit,
            BiConsumer<Subscriber, CloseReason> onEnded) {
        this.client = client;
        this.out = out;
        this.complete = complete;
        this.delivery = delivery;
        this.outbox = new Outbox(queueLimit);
        this.onEnded = onEnded;
    }

    Client client() {
        return client;
    }

    String clientId() {
        return client.clientId();
    }

    /** The stream's state now; for tests and the hub's checks, which must not act on it without the lock. */
    StreamState state() {
        synchronized (lock) {
            return state;
        }
    }

    /** Sets the opening events, produced lazily so a long catch-up costs no memory up front. */
    void open(Iterator<OutboundSseEvent> openingEvents) {
        synchronized (lock) {
            if (state.isOpen()) {
                outbox.open(openingEvents);
            }
        }
    }

    /**
     * Hands the output over: called once the runtime is done with the request, so that nothing else uses it. The
     * container answers with a first {@link #onWritePossible()}.
     */
    void start() {
        synchronized (lock) {
            if (state != StreamState.ACCEPTED) {
                return;
            }
            set(state.start());
        }
        try {
            out.setWriteListener(this);
        } catch (IllegalStateException e) {
            LOG.log(Level.FINE, "the stream of " + clientId() + " ended before it started", e);
            close(CloseReason.CLIENT_GONE);
        }
    }

    /**
     * Enqueues a live event; never blocks. Called by a broadcast under the hub's lock, which then has
     * {@link Delivery} drain every subscriber it marked. A full queue ends the stream, but not here: the stream is
     * marked, and a delivery thread completes its request and reports the end, outside the hub's lock.
     */
    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        PreEncodedEvent encoded = PreEncodedEvent.of(event);
        boolean mark;
        boolean overflow;
        synchronized (lock) {
            if (!state.isOpen()) {
                return CLOSED;
            }
            overflow = !outbox.add(encoded.bytes(), encoded.encodedNanos());
            if (overflow) {
                beginEnd(CloseReason.SLOW);
                // nobody writes: a delivery thread finishes it; otherwise the running drain does
                mark = state == StreamState.ENDING;
            } else {
                mark = claimDrain();
            }
        }
        if (mark) {
            delivery.mark(this);
        }
        return overflow ? TOO_SLOW : SENT;
    }

    /**
     * Writes a heartbeat comment when nothing was queued for {@code quietNanos} up to {@code nowNanos}, so an idle
     * stream stays open through proxies and a dead connection shows itself. A stream that carries events needs
     * none: they do both, and ten thousand heartbeats at once would only delay the next event.
     */
    void heartbeat(long nowNanos, long quietNanos) {
        boolean drain;
        synchronized (lock) {
            if (!state.isOpen() || !outbox.addHeartbeatIfQuiet(nowNanos, quietNanos)) {
                return;
            }
            drain = claimDrain();
        }
        if (drain) {
            delivery.drainSoon(this);
        }
    }

    /**
     * Ends the stream once what is queued is written, after a last {@code retry:} line that tells the browser how
     * long to wait before it reconnects: Herald is shutting down, and a spread of delays keeps its clients from
     * all coming back in the same second.
     */
    void endWithRetry(long retryMs) {
        boolean drain;
        synchronized (lock) {
            if (!state.isOpen()) {
                return;
            }
            outbox.addLastRetry(retryMs);
            drain = claimDrain();
        }
        if (drain) {
            delivery.drainSoon(this);
        }
    }

    @Override
    public void onWritePossible() {
        synchronized (lock) {
            StreamState before = state;
            set(state.writable());
            if (before != StreamState.BLOCKED) {
                return;
            }
        }
        drain(true);
    }

    @Override
    public void onError(Throwable failure) {
        LOG.log(Level.FINE, () -> "the stream of " + clientId() + " failed: " + failure);
        close(CloseReason.CLIENT_GONE);
    }

    @Override
    public boolean isClosed() {
        synchronized (lock) {
            return !state.isOpen();
        }
    }

    @Override
    public void close() {
        close(CloseReason.SHUTDOWN);
    }

    /**
     * Ends the stream. When no drain runs, this thread completes the request and reports the end; otherwise the
     * drain does when it next looks, so a write and the completion never overlap. Never called under the hub's
     * lock: a broadcast uses {@link #send}, which hands the end to a delivery thread.
     */
    void close(CloseReason why) {
        boolean finishHere;
        synchronized (lock) {
            if (!state.isOpen()) {
                return;
            }
            beginEnd(why);
            finishHere = state == StreamState.ENDING;
        }
        if (finishHere) {
            finishEnding();
        }
    }

    /**
     * The container times the request out. Herald's streams have no timeout of their own, so this means the
     * application is being stopped: Tomcat times out every open request once its context stops, before Herald's
     * own shutdown runs. Until this returns the request is still Herald's, so an idle stream gets its last
     * {@code retry:} line, written and flushed here, and is completed: a clean end, as at a server stop. A stream
     * a drain is writing gets the line queued behind what it writes, and this waits (briefly) for that drain to
     * end it. Otherwise (a full socket, an end already under way that does not finish in time) the container
     * ends the request as it would any other.
     */
    void containerTimedOut(long retryMs) {
        boolean finishHere;
        boolean drainHere = false;
        boolean wait = false;
        synchronized (lock) {
            if (state == StreamState.IDLE || state == StreamState.WRITING || state == StreamState.WRITING_RECALLED) {
                outbox.addLastRetry(retryMs);
                claimDrain();
            }
            finishHere = state == StreamState.ENDING;
            if (state.isWriting() && state != StreamState.GONE_WRITING) {
                // a drain only handed over to a delivery thread is run here instead: it has not started
                drainHere = drainer == null;
                wait = drainer != null && drainer != Thread.currentThread();
            }
        }
        if (finishHere) {
            finishEnding();
        }
        if (drainHere) {
            drain();
        }
        if (wait) {
            awaitState(StreamState::isOver, LAST_RETRY_WAIT);
        }
        containerEnded();
    }

    /** Waits, at most {@code wait}, until the state is one {@code reached} accepts; woken by {@link #set}. */
    private void awaitState(Predicate<StreamState> reached, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (lock) {
            long left;
            try {
                while (!reached.test(state) && (left = deadline - System.nanoTime()) > 0) {
                    lock.wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The container ended the request (the client went away, a timeout, an undeploy): stop, and return only once
     * nothing writes to the request any more, because the container recycles it for another client. A drain that
     * is running is waited for; one that is only handed over to a delivery thread will stop before it writes.
     */
    void containerEnded() {
        StreamState before;
        StreamState after;
        boolean wait;
        synchronized (lock) {
            before = state;
            if (before.isOpen()) {
                reason = CloseReason.CLIENT_GONE;
            }
            set(state.containerEnded());
            after = state;
            outbox.clear();
            // a drain that is only handed over stops before it touches the output; one that runs may be writing
            wait = after == StreamState.GONE_WRITING && drainer != null && drainer != Thread.currentThread();
        }
        reportIfFirst(before, after);
        if (wait) {
            awaitState(current -> current != StreamState.GONE_WRITING, CONTAINER_CLOSE_WAIT);
        }
    }

    /** The delivery threads are gone (the hub has closed): the drain this stream was handed will never run. */
    void drainRefused() {
        StreamState before;
        synchronized (lock) {
            before = state;
            if (state == StreamState.GONE_WRITING) {
                set(state.stopped());
                return;
            }
            if (!state.isWriting() && state != StreamState.ENDING) {
                return;
            }
            if (reason == null) {
                reason = CloseReason.SHUTDOWN;
            }
            // this thread holds the drain it was refused, so it may finish the stream
            set(state.end().finish());
            outbox.clear();
        }
        completeRequest();
        reportIfFirst(before, StreamState.ENDED);
    }

    /**
     * Writes what is queued, up to a turn's worth, as one write, then flushes. Runs while the state says a drain
     * owns the output, on one thread at a time. Each write and flush is preceded by the readiness check the
     * non-blocking output requires; a batch in one array needs one check instead of one per event.
     */
    void drain() {
        drain(false);
    }

    /**
     * @param resumed called back after the output was full: what the last drain wrote may still sit in the
     *        container's buffer, so this one flushes even if it writes nothing new
     */
    private void drain(boolean resumed) {
        boolean handedToEnd;
        synchronized (lock) {
            handedToEnd = state == StreamState.ENDING;
            if (!handedToEnd) {
                if (!state.isWriting() || drainer != null) {
                    // nothing to write, or another thread took this drain over (a container timing it out)
                    return;
                }
                drainer = Thread.currentThread();
            }
        }
        if (handedToEnd) {
            // handed over to end (a full queue): finished here, outside any broadcast
            finishEnding();
            return;
        }
        boolean unflushed = resumed;
        boolean heartbeatInWrite = false;
        int written = 0;
        try {
            while (true) {
                Outbox.Batch batch = next(written >= Outbox.BYTES_PER_TURN, unflushed);
                if (batch == STOP) {
                    if (stopIfEnded()) {
                        return;
                    }
                    continue;
                }
                if (batch == IDLE) {
                    return;
                }
                if (batch == LAST_LINE_WRITTEN) {
                    if (endAfterLastLine()) {
                        return;
                    }
                    continue;
                }
                if (batch == TURN_USED) {
                    // more may be queued: let other clients' writes run first, then go on
                    delivery.drainSoon(this);
                    return;
                }
                boolean live = batch != OPENING;
                if (!live) {
                    batch = takeOpening();
                }
                if (!out.isReady()) {
                    if (waitForWritable(batch, live)) {
                        return;
                    }
                    continue;
                }
                if (batch == FLUSH) {
                    out.flush();
                    unflushed = false;
                } else if (batch.length() > 0) {
                    heartbeatInWrite = batch.heartbeat();
                    out.write(batch.bytes(), 0, batch.length());
                    unflushed = true;
                    written += batch.length();
                    if (batch.events() > 0) {
                        delivery.metrics().delivered(batch.events(), batch.waitedNanos());
                    }
                }
            }
        } catch (IOException | IllegalStateException e) {
            LOG.log(Level.FINE, () -> "writing to " + clientId() + " failed: " + e);
            if (heartbeatInWrite) {
                delivery.metrics().heartbeatFailed();
            }
            writeFailed();
        }
    }

    // What a drain does next, besides writing a batch: see next()
    /** The stream ended meanwhile: {@link #stopIfEnded()} does what its state asks. */
    private static final Outbox.Batch STOP = Outbox.Batch.marker();
    /** Nothing more to write and everything flushed: the stream is {@link StreamState#IDLE} and the drain stops. */
    private static final Outbox.Batch IDLE = Outbox.Batch.marker();
    /** A shutdown's last {@code retry:} line is written and flushed: {@link #endAfterLastLine()} ends the stream. */
    private static final Outbox.Batch LAST_LINE_WRITTEN = Outbox.Batch.marker();
    /** The turn is used and flushed: the drain goes on later, on a bulk thread. */
    private static final Outbox.Batch TURN_USED = Outbox.Batch.marker();
    /** Written but not yet flushed, and nothing more to write for now (or the turn is used). */
    private static final Outbox.Batch FLUSH = Outbox.Batch.marker();
    /** Some of the opening is left: {@link #takeOpening()} encodes it without the lock. */
    private static final Outbox.Batch OPENING = Outbox.Batch.marker();

    /**
     * In a drain: the next batch to write, or one of the markers above, decided in one look under the lock. So the
     * usual drain of one event takes the lock four times (to start, to take the event, to flush, to find nothing
     * more) and asks the output whether it is ready twice, before the write and before the flush.
     */
    private Outbox.Batch next(boolean turnUsed, boolean unflushed) {
        synchronized (lock) {
            if (state != StreamState.WRITING && state != StreamState.WRITING_RECALLED) {
                return STOP;
            }
            if (!turnUsed) {
                if (outbox.openingLeft()) {
                    return OPENING;
                }
                Outbox.Batch batch = outbox.take();
                if (batch.length() > 0) {
                    return batch;
                }
            }
            if (unflushed) {
                return FLUSH;
            }
            if (turnUsed) {
                drainer = null;
                return TURN_USED;
            }
            if (outbox.reachedEnd()) {
                return LAST_LINE_WRITTEN;
            }
            set(state.drained());
            drainer = null;
            return IDLE;
        }
    }

    /** In a drain: true, after doing what the state asks, when the stream ended meanwhile and the drain stops. */
    private boolean stopIfEnded() {
        StreamState before;
        synchronized (lock) {
            before = state;
            switch (state) {
                case ENDING_WRITING -> set(state.finish());
                case GONE_WRITING -> {
                    set(state.stopped());
                    drainer = null;
                    return true;
                }
                case WRITING, WRITING_RECALLED -> {
                    return false;
                }
                default -> {
                    drainer = null;
                    return true;
                }
            }
            drainer = null;
        }
        completeRequest();
        reportIfFirst(before, StreamState.ENDED);
        return true;
    }

    /**
     * The output is full: stop until the container calls back, unless it already has. True when stopped. What the
     * drain took and could not write ({@code taken}, unless it has no bytes; {@code live} when from the live queue,
     * not the opening) goes first when it resumes.
     */
    private boolean waitForWritable(Outbox.Batch taken, boolean live) {
        synchronized (lock) {
            if (taken.length() > 0 && state.isOpen()) {
                outbox.putBack(taken, live);
            }
            set(state.notReady());
            if (state == StreamState.BLOCKED) {
                drainer = null;
                return true;
            }
            // called back meanwhile, or ending: the loop goes on and looks again
            return false;
        }
    }

    /**
     * A shutdown's last {@code retry:} line is written and flushed ({@link #next} saw the end): the stream ends,
     * unless it began to end otherwise meanwhile (then false, and the drain's next look stops it).
     */
    private boolean endAfterLastLine() {
        StreamState before;
        synchronized (lock) {
            before = state;
            if (!state.isOpen()) {
                return false;
            }
            beginEnd(CloseReason.SHUTDOWN);
            set(state.finish());
            drainer = null;
        }
        completeRequest();
        reportIfFirst(before, StreamState.ENDED);
        return true;
    }

    /** After a failed write: the container ends the request itself; if it has not within the grace, Herald does. */
    private void writeFailed() {
        StreamState before;
        StreamState after;
        synchronized (lock) {
            before = state;
            if (before.isOpen()) {
                reason = CloseReason.CLIENT_GONE;
            }
            set(state.writeFailed());
            after = state;
            drainer = null;
            outbox.clear();
        }
        reportIfFirst(before, after);
        if (after == StreamState.FAILED) {
            // Tomcat dispatches an error and completes the request itself; completing it at the same moment makes
            // it log a SEVERE race, so it gets a grace period first
            delivery.afterGrace(this::graceExpired);
        }
    }

    private void graceExpired() {
        synchronized (lock) {
            if (state != StreamState.FAILED) {
                return;
            }
            set(state.graceExpired());
        }
        completeRequest();
    }

    /** Under the lock: the stream must end for {@code why}; what was queued will not be written. */
    private void beginEnd(CloseReason why) {
        assert Thread.holdsLock(lock);
        if (reason == null) {
            reason = why;
        }
        set(state.end());
        outbox.clear();
    }

    /** This thread made the stream {@link StreamState#ENDING}: it completes the request, unless someone did first. */
    private void finishEnding() {
        synchronized (lock) {
            if (state != StreamState.ENDING) {
                return;
            }
            set(state.finish());
        }
        completeRequest();
        reportIfFirst(StreamState.ENDING, StreamState.ENDED);
    }

    /** Under the lock: the one place the state changes; a thread waiting for the end is woken when it comes. */
    private void set(StreamState next) {
        assert Thread.holdsLock(lock);
        state = next;
        if (next.isOver()) {
            lock.notifyAll();
        }
    }

    /** Under the lock: whether the caller must start a drain, which the state now says is running. */
    private boolean claimDrain() {
        if (state != StreamState.IDLE) {
            // queued() changes nothing else; not writing the field keeps a running drain's cache line clean
            return false;
        }
        set(state.queued());
        return true;
    }

    /** Reports the end to the hub, once: from the change that made the stream over. */
    private void reportIfFirst(StreamState before, StreamState after) {
        assert !Thread.holdsLock(lock);
        if (!before.isOver() && after.isOver()) {
            CloseReason why;
            synchronized (lock) {
                why = reason;
            }
            onEnded.accept(this, why);
        }
    }

    private void completeRequest() {
        assert !Thread.holdsLock(lock);
        try {
            complete.run();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "ending the stream of " + clientId() + " failed", e);
        }
    }

    /**
     * In a drain, once {@link #next} said some of the opening is left: its next turn, empty if the stream began to
     * end meanwhile. It is encoded without the lock: only this drain touches it, and a broadcast enqueuing for this
     * stream meanwhile does not wait.
     */
    private Outbox.Batch takeOpening() {
        Outbox.Opening opening;
        synchronized (lock) {
            opening = state == StreamState.WRITING || state == StreamState.WRITING_RECALLED ? outbox.opening() : null;
            if (opening == null) {
                return Outbox.Batch.EMPTY;
            }
        }
        Outbox.Batch batch = opening.take(outbox.openedNanos());
        synchronized (lock) {
            outbox.rest(opening);
        }
        return batch;
    }
}
