package dev.herald.stream;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One open stream: the container's sink behind a bounded queue. {@code send} only enqueues, so a publisher
 * never waits for a client; one task at a time writes the queue to the client on the hub's delivery executor.
 * The stream's opening part (welcome, catch-up, ready) is written first and is not counted against the bound.
 * A client whose queue is full is disconnected: it reconnects with Last-Event-ID and catches up.
 */
final class Subscriber implements SseEventSink {

    private static final Logger LOG = Logger.getLogger(Subscriber.class.getName());
    /** Events written per turn on the executor before other clients get theirs. */
    private static final int WRITES_PER_TURN = 64;
    /** A write to a connection the container found broken fails at once; this only bounds the unexpected. */
    private static final Duration CONTAINER_CLOSE_WAIT = Duration.ofSeconds(5);

    /** Why a stream ended. */
    enum CloseReason { CLIENT_GONE, SLOW, SHUTDOWN }

    private final String clientId;
    private final List<String> topics;
    private final boolean envelope;
    private final Instant connectedAt;
    private final SseEventSink sink;
    private final EventFormat format;
    private final Executor writer;
    private final int queueLimit;
    private final BiConsumer<Subscriber, CloseReason> onClosed;

    private final Object lock = new Object();
    private final ArrayDeque<OutboundSseEvent> queue = new ArrayDeque<>();
    private Iterator<OutboundSseEvent> opening = List.<OutboundSseEvent>of().iterator();
    private boolean writing;
    private boolean closed;

    Subscriber(String clientId, List<String> topics, boolean envelope, Instant connectedAt, SseEventSink sink,
            EventFormat format, Executor writer, int queueLimit, BiConsumer<Subscriber, CloseReason> onClosed) {
        this.clientId = clientId;
        this.topics = List.copyOf(topics);
        this.envelope = envelope;
        this.connectedAt = connectedAt;
        this.sink = sink;
        this.format = format;
        this.writer = writer;
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

    /** Starts writing: first the opening events, produced lazily so a long catch-up costs no memory up front. */
    void open(Iterator<OutboundSseEvent> openingEvents) {
        synchronized (lock) {
            opening = openingEvents;
        }
        schedule();
    }

    /** Enqueues a live event; never blocks. A full queue disconnects the client. */
    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        boolean overflow;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("stream closed"));
            }
            overflow = queue.size() >= queueLimit;
            if (!overflow) {
                queue.add(event);
            }
        }
        if (overflow) {
            close(CloseReason.SLOW);
            return CompletableFuture.failedFuture(new IllegalStateException("client too slow: queue full"));
        }
        schedule();
        return CompletableFuture.completedFuture(null);
    }

    /** Writes a heartbeat comment when nothing else is on its way, so a dead connection shows itself. */
    void heartbeat() {
        synchronized (lock) {
            if (closed || writing || !queue.isEmpty()) {
                return;
            }
            queue.add(format.heartbeat());
        }
        schedule();
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
     * Ends the stream. The container's sink is closed here unless a write task owns it; then that task closes
     * it, so a write and the close never overlap, and closing never waits for a stalled client.
     */
    void close(CloseReason reason) {
        boolean writerCloses;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            writerCloses = writing;
        }
        if (!writerCloses) {
            closeSink();
        }
        onClosed.accept(this, reason);
    }

    /**
     * The container ended the request (the client went away, or it is shutting down): stop, and return only
     * once nothing writes to the request any more, because the container recycles it for another client.
     */
    void closeByContainer() {
        close(CloseReason.CLIENT_GONE);
        long deadline = System.nanoTime() + CONTAINER_CLOSE_WAIT.toNanos();
        synchronized (lock) {
            long left;
            while (writing && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void schedule() {
        synchronized (lock) {
            if (writing || closed) {
                return;
            }
            writing = true;
        }
        try {
            writer.execute(this::writeSome);
        } catch (RejectedExecutionException e) {
            stopWriting();
            close(CloseReason.SHUTDOWN);
        }
    }

    private void writeSome() {
        for (int i = 0; i < WRITES_PER_TURN; i++) {
            OutboundSseEvent next;
            synchronized (lock) {
                if (closed) {
                    break;
                }
                next = opening.hasNext() ? opening.next() : queue.poll();
                if (next == null) {
                    writing = false;
                    lock.notifyAll();
                    return;
                }
            }
            if (!write(next)) {
                close(CloseReason.CLIENT_GONE);
            }
        }
        release();
    }

    /** Ends this write task's turn: closes the sink if the stream was closed meanwhile, else lets others write. */
    private void release() {
        boolean ended;
        synchronized (lock) {
            ended = closed;
            if (!ended) {
                writing = false;
            }
        }
        if (!ended) {
            schedule();
            return;
        }
        closeSink();
        stopWriting();
    }

    private void stopWriting() {
        synchronized (lock) {
            writing = false;
            lock.notifyAll();
        }
    }

    private void closeSink() {
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "closing the stream of " + clientId + " failed", e);
        }
    }

    private boolean write(OutboundSseEvent event) {
        try {
            sink.send(event).toCompletableFuture().join();
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "writing to " + clientId + " failed", e);
            return false;
        }
    }
}
