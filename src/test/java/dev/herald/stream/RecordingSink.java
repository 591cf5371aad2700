package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Stands where the container's sink would: records what the hub writes; a stalled one blocks like a full socket. */
final class RecordingSink implements SseEventSink {

    private final BlockingQueue<OutboundSseEvent> written = new LinkedBlockingQueue<>();
    private final CountDownLatch unblocked;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean disconnected;

    private RecordingSink(boolean stalled) {
        this.unblocked = new CountDownLatch(stalled ? 1 : 0);
    }

    static RecordingSink reading() {
        return new RecordingSink(false);
    }

    /** Blocks every write until {@link #unstall()}, as a client that stopped reading does once buffers are full. */
    static RecordingSink stalled() {
        return new RecordingSink(true);
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        try {
            if (!unblocked.await(10, TimeUnit.SECONDS)) {
                return CompletableFuture.failedFuture(new IllegalStateException("stalled too long"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        if (disconnected) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection reset by peer"));
        }
        if (isClosed()) {
            // the hub must never write to a sink it closed: the container may have recycled the request
            throw new AssertionError("write after close");
        }
        written.add(event);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** The client goes away: every later write fails, as it does on a reset connection. */
    void disconnect() {
        disconnected = true;
    }

    /** Lets the blocked write return, as a socket write times out in the end. */
    void unstall() {
        unblocked.countDown();
    }

    @Override
    public void close() {
        closed.countDown();
    }

    int writtenCount() {
        return written.size();
    }

    boolean awaitClosed() throws InterruptedException {
        return closed.await(5, TimeUnit.SECONDS);
    }

    /** The next written event; fails after 5 seconds. */
    OutboundSseEvent next() throws InterruptedException {
        OutboundSseEvent event = written.poll(5, TimeUnit.SECONDS);
        assertNotNull(event, "no event written within 5 s");
        return event;
    }

    /** Every event up to and including the first that matches. */
    List<OutboundSseEvent> until(Predicate<OutboundSseEvent> last) throws InterruptedException {
        List<OutboundSseEvent> events = new ArrayList<>();
        OutboundSseEvent event;
        do {
            event = next();
            events.add(event);
        } while (!last.test(event));
        return events;
    }

    /** Nothing more was written within a short wait. */
    void assertNothingMore() throws InterruptedException {
        OutboundSseEvent event = written.poll(200, TimeUnit.MILLISECONDS);
        assertTrue(event == null, () -> "unexpected event " + event.getName() + " " + event.getData());
    }
}
