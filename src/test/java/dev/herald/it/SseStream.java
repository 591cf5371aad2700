package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An event stream read over a plain socket, so a test sees the exact bytes and can drop the connection the way
 * a closed browser tab does. Parses HTTP/1.1 (chunked or not) and the SSE fields as EventSource does.
 */
final class SseStream implements AutoCloseable, EndingStream {

    private static final int WAIT_SECONDS = 10;

    private final Socket socket;
    private final int status;
    private final Map<String, String> headers;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final StringBuilder raw = new StringBuilder();
    private final CountDownLatch comment = new CountDownLatch(1);
    private final CountDownLatch reading;
    private final URI uri;
    /** The first event that broke the API's description; {@link #close} fails with it too. */
    private volatile AssertionError violation;

    private SseStream(URI uri, Socket socket, int status, Map<String, String> headers, boolean paused) {
        this.uri = uri;
        this.socket = socket;
        this.status = status;
        this.headers = headers;
        this.reading = new CountDownLatch(paused ? 1 : 0);
    }

    /** Opens {@code uri} with the given extra request headers; events are read on {@code readers}. */
    static SseStream open(URI uri, Map<String, String> requestHeaders, ExecutorService readers) throws IOException {
        return open(uri, requestHeaders, readers, new Socket(), false);
    }

    /**
     * Opens {@code uri} as a client that stops reading after the response headers, with a small receive buffer so
     * that the server's writes soon find the socket full; {@link #resume()} reads on.
     */
    static SseStream openStalled(URI uri, ExecutorService readers) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        return open(uri, Map.of(), readers, socket, true);
    }

    private static SseStream open(URI uri, Map<String, String> requestHeaders, ExecutorService readers, Socket socket,
            boolean paused) throws IOException {
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
        socket.setSoTimeout(60_000);
        StringBuilder request = new StringBuilder()
                .append("GET ").append(uri.getRawPath()).append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                .append(" HTTP/1.1\r\nHost: ").append(uri.getHost()).append(':').append(uri.getPort())
                .append("\r\nAccept: text/event-stream\r\n");
        requestHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        OutputStream out = socket.getOutputStream();
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.flush();

        InputStream in = new BufferedInputStream(socket.getInputStream());
        String statusLine = line(in);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
        }
        SseStream stream = new SseStream(uri, socket, Integer.parseInt(statusLine.split(" ")[1]), headers, paused);
        boolean chunked = "chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"));
        InputStream body = chunked ? new ChunkedInput(in) : in;
        Map<String, List<String>> described = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, value) -> described.put(name, List.of(value)));
        if (stream.status != 200) {
            // a refusal: its JSON body is read here and held to the description, and the stream has ended
            String text = new String(refusal(body, headers.get("Content-Length")), StandardCharsets.UTF_8);
            synchronized (stream) {
                stream.raw.append(text);
            }
            ApiDescription.get().check("GET", uri, stream.status, described, text);
            stream.events.add(new CleanEnd());
            return stream;
        }
        ApiDescription.get().check("GET", uri, stream.status, described, null);
        readers.execute(() -> stream.read(body));
        return stream;
    }

    int status() {
        return status;
    }

    /** The next item of the queue; an event that broke the API's description fails the test here. */
    private Object poll(long time, TimeUnit unit) throws InterruptedException {
        Object next = events.poll(time, unit);
        if (next instanceof AssertionError violation) {
            throw violation;
        }
        return next;
    }

    String header(String name) {
        return headers.get(name);
    }

    /** The stream's text so far, as received. */
    @Override
    public synchronized String raw() {
        return raw.toString();
    }

    /** The next event; fails when none arrives in time. */
    @Override
    public SseEvent next() throws InterruptedException {
        Object next = poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(next, "no event within " + WAIT_SECONDS + " s");
        if (next instanceof Throwable failure) {
            throw new AssertionError("the stream ended: " + failure, failure);
        }
        return (SseEvent) next;
    }

    /**
     * The next event, or empty once the stream has ended (cleanly or cut off); fails when neither happens within
     * {@code seconds}.
     */
    java.util.Optional<SseEvent> nextOrEnd(int seconds) throws InterruptedException {
        Object next = poll(seconds, TimeUnit.SECONDS);
        assertNotNull(next, "neither an event nor the end within " + seconds + " s");
        return next instanceof Throwable ? java.util.Optional.empty() : java.util.Optional.of((SseEvent) next);
    }

    /** Skips events until one matches, and returns it. */
    SseEvent await(Predicate<SseEvent> wanted) throws InterruptedException {
        List<SseEvent> received = until(wanted);
        return received.get(received.size() - 1);
    }

    /**
     * Skips events until one matches within {@code seconds} in all, however long the gaps between events: for what
     * the server does only after a silence, such as the {@code leave} of a client whose socket closed (found by a
     * failed heartbeat, a few seconds after the close).
     */
    SseEvent awaitWithin(int seconds, Predicate<SseEvent> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            Object next = left > 0 ? poll(left, TimeUnit.NANOSECONDS) : null;
            assertNotNull(next, "no matching event within " + seconds + " s");
            if (next instanceof Throwable failure) {
                throw new AssertionError("the stream ended: " + failure, failure);
            }
            if (wanted.test((SseEvent) next)) {
                return (SseEvent) next;
            }
        }
    }

    /** Reads through the opening part and returns its {@code ready} event. */
    SseEvent ready() throws InterruptedException {
        return await(e -> e.type().equals("ready"));
    }

    /** Whether a comment line (a heartbeat) arrived within {@code seconds}. */
    boolean awaitComment(int seconds) throws InterruptedException {
        return comment.await(seconds, TimeUnit.SECONDS);
    }

    /** Asserts that nothing more arrives within a short wait. */
    void assertNothingMore() throws InterruptedException {
        Object next = poll(300, TimeUnit.MILLISECONDS);
        assertNull(next, () -> "unexpected " + next);
    }

    /** A stalled stream reads on. */
    void resume() {
        reading.countDown();
    }

    /** Every event until the server ends the stream. */
    List<SseEvent> untilEnd() throws InterruptedException {
        List<SseEvent> received = new ArrayList<>();
        Object next;
        while (true) {
            next = poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "the stream did not end within " + WAIT_SECONDS + " s");
            if (next instanceof Throwable) {
                return received;
            }
            received.add((SseEvent) next);
        }
    }

    /** Waits up to {@code seconds} for the server to end the stream, skipping events. */
    void awaitEnd(int seconds) throws InterruptedException {
        awaitCleanEnd(seconds);
    }

    /**
     * Waits up to {@code seconds} for the server to end the stream, skipping events; true when it ended cleanly
     * (the chunked response's last chunk, or the end of a response without chunks), false when the connection was
     * cut off.
     */
    @Override
    public boolean awaitCleanEnd(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Object next;
        do {
            long left = deadline - System.nanoTime();
            next = left > 0 ? poll(left, TimeUnit.NANOSECONDS) : null;
            assertNotNull(next, "the stream did not end within " + seconds + " s");
        } while (!(next instanceof Throwable));
        return next instanceof CleanEnd;
    }

    /** The response ended as HTTP says it should. */
    private static final class CleanEnd extends IOException {
        private static final long serialVersionUID = 1L;

        CleanEnd() {
            super("end of stream");
        }
    }

    /** Waits for the server to end the stream. */
    void awaitEnd() throws InterruptedException {
        Object next;
        do {
            next = poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(next, "the stream did not end within " + WAIT_SECONDS + " s");
        } while (!(next instanceof Throwable));
    }

    @Override
    public void close() throws IOException {
        socket.close();
        if (violation != null) {
            throw violation;
        }
    }

    /** A refusal's body: as long as its Content-Length says, or up to the end of its chunks or connection. */
    private static byte[] refusal(InputStream body, String contentLength) throws IOException {
        return contentLength == null ? body.readAllBytes() : body.readNBytes(Integer.parseInt(contentLength.trim()));
    }

    private void read(InputStream in) {
        SseLines lines = new SseLines();
        try {
            reading.await();
            for (String line = utf8Line(in); line != null; line = utf8Line(in)) {
                synchronized (this) {
                    raw.append(line).append('\n');
                }
                if (line.startsWith(":")) {
                    comment.countDown();
                    continue;
                }
                SseEvent received = lines.feed(line);
                if (received != null) {
                    try {
                        ApiDescription.get().checkEvent(uri, received);
                    } catch (AssertionError e) {
                        if (violation == null) {
                            violation = e;
                        }
                        events.add(e);
                    }
                    events.add(received);
                }
            }
            events.add(new CleanEnd());
        } catch (IOException | RuntimeException e) {
            events.add(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String line(InputStream in) throws IOException {
        String line = utf8Line(in);
        if (line == null) {
            throw new IOException("connection closed in the headers");
        }
        return line;
    }

    /** A line without its CR LF or LF; null at the end of the stream. */
    private static String utf8Line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            bytes.write(b);
        }
        if (b == -1 && bytes.size() == 0) {
            return null;
        }
        String line = bytes.toString(StandardCharsets.UTF_8);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** Undoes HTTP/1.1 chunked transfer coding. */
    private static final class ChunkedInput extends InputStream {

        private final InputStream in;
        private int left;
        private boolean done;

        ChunkedInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in).toLowerCase(Locale.ROOT);
                int semicolon = size.indexOf(';');
                left = Integer.parseInt(semicolon < 0 ? size.trim() : size.substring(0, semicolon).trim(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b == -1) {
                throw new IOException("connection closed inside a chunk");
            }
            if (--left == 0) {
                line(in);
            }
            return b;
        }
    }
}
