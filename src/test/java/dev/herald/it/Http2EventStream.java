package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One event stream read as the body of an HTTP/2 response of the JDK's HttpClient ({@link Http2Client}), parsed as
 * EventSource parses it. A stalled one asks for no body at all until {@link #resume()}: its bytes then stay in
 * the client's receive window for that stream, and the server soon finds the window closed.
 */
final class Http2EventStream implements HttpResponse.BodySubscriber<Http2EventStream>, EndingStream {

    private static final int WAIT_SECONDS = 10;
    /** What the queue holds once the response ended as HTTP/2 says it should: a DATA frame with END_STREAM. */
    private static final Object CLEAN_END = new Object();

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final StringBuilder raw = new StringBuilder();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final boolean stalled;
    /** The stream's URL: its events are held to the API's description ({@link ApiDescription#checkEvent}). */
    private final URI uri;
    private volatile Flow.Subscription subscription;
    private volatile String ending;
    private final SseLines lines = new SseLines();

    Http2EventStream(URI uri, boolean stalled) {
        this.uri = uri;
        this.stalled = stalled;
    }

    @Override
    public CompletionStage<Http2EventStream> getBody() {
        return CompletableFuture.completedStage(this); // the response is there with its headers
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (!stalled) {
            subscription.request(Long.MAX_VALUE);
        }
    }

    /** A stalled stream reads on. */
    void resume() {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        for (ByteBuffer buffer : buffers) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    onLine(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
                } else {
                    line.write(b);
                }
            }
        }
    }

    private void onLine(String text) {
        synchronized (this) {
            raw.append(text).append('\n');
        }
        if (text.startsWith(":")) {
            return;
        }
        try {
            SseEvent received = lines.feed(text);
            if (received != null) {
                ApiDescription.get().checkEvent(uri, received);
                events.add(received);
            }
        } catch (AssertionError violation) { // next() throws it: an event the description does not allow
            events.add(violation);
        } catch (IllegalArgumentException unknownField) {
            events.add(new IllegalStateException(unknownField.getMessage()));
        }
    }

    @Override
    public void onError(Throwable failure) {
        events.add(failure);
    }

    @Override
    public void onComplete() {
        events.add(CLEAN_END);
    }

    /** The stream's text so far, as received. */
    @Override
    public synchronized String raw() {
        return raw.toString();
    }

    /** The next event; fails when none arrives in time, or the stream ended. */
    @Override
    public SseEvent next() throws InterruptedException {
        Object next = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(next, "no event within " + WAIT_SECONDS + " s");
        if (next == CLEAN_END) {
            throw new AssertionError("the stream ended");
        }
        if (next instanceof AssertionError violation) {
            throw violation;
        }
        if (next instanceof Throwable failure) {
            throw new AssertionError("the stream failed: " + failure, failure);
        }
        return (SseEvent) next;
    }

    /** Reads through the opening part and returns its {@code ready} event. */
    SseEvent ready() throws InterruptedException {
        List<SseEvent> opening = until(e -> e.type().equals("ready"));
        return opening.get(opening.size() - 1);
    }

    /**
     * Every event until the server ends the stream, within {@code seconds} in all; the last element is null when
     * the stream was reset or the connection failed rather than ended cleanly.
     */
    List<SseEvent> untilEnd(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<SseEvent> received = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            Object next = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            assertNotNull(next, "the stream did not end within " + seconds + " s");
            if (next == CLEAN_END) {
                return received;
            }
            if (next instanceof AssertionError violation) {
                throw violation;
            }
            if (next instanceof Throwable) {
                received.add(null);
                return received;
            }
            received.add((SseEvent) next);
        }
    }

    /**
     * Every event until the server ends the stream, or until nothing at all (not even a heartbeat comment) arrived
     * for {@code silentSeconds}; fails after {@code maxSeconds} of neither. A stream that is reset rather than ended
     * cleanly ends the list with null.
     */
    List<SseEvent> untilEndOrSilent(int silentSeconds, int maxSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        List<SseEvent> received = new ArrayList<>();
        int seen = raw().length();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(silentSeconds)) {
            assertTrue(System.nanoTime() < deadline, "the stream neither ended nor fell silent within " + maxSeconds + " s");
            Object next = events.poll(100, TimeUnit.MILLISECONDS);
            if (next == CLEAN_END) {
                ending = "ended cleanly";
                return received;
            }
            if (next instanceof AssertionError violation) {
                throw violation;
            }
            if (next instanceof Throwable failure) {
                ending = "reset (" + failure + ")";
                received.add(null);
                return received;
            }
            if (next != null) {
                received.add((SseEvent) next);
            }
            int now = raw().length();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
        ending = "silent for " + silentSeconds + " s";
        return received;
    }

    /** How {@link #untilEndOrSilent} saw the stream end, for the test's output. */
    String ending() {
        return ending;
    }

    /** Whether the server ended the stream cleanly (END_STREAM, not a reset) within {@code seconds}. */
    @Override
    public boolean awaitCleanEnd(int seconds) throws InterruptedException {
        List<SseEvent> rest = untilEnd(seconds);
        return rest.isEmpty() || rest.get(rest.size() - 1) != null;
    }

    /** Resets the stream (RST_STREAM): the connection and its other streams go on. */
    void cancel() {
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }
}
