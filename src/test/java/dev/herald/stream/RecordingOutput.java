package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Stands where the container's non-blocking output would: records what the hub writes and parses it into events
 * at each flush. A stalled one is never ready, as a socket whose client stopped reading; when it is unstalled it
 * calls the write listener back from another thread, as the container does.
 */
final class RecordingOutput extends ServletOutputStream {

    /** One event as a client parses it. */
    record Written(String name, String id, String data, Long retry, String comment) {
    }

    private final Executor container;
    private final BlockingQueue<Written> written = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicInteger flushes = new AtomicInteger();
    private volatile WriteListener listener;
    private volatile boolean stalled;
    private volatile boolean disconnected;
    private volatile AssertionError misuse;
    /** The thread that ended the request. */
    private volatile String endedBy;

    RecordingOutput(Executor container, boolean stalled) {
        this.container = container;
        this.stalled = stalled;
    }

    @Override
    public boolean isReady() {
        return !stalled;
    }

    @Override
    public void setWriteListener(WriteListener writeListener) {
        listener = writeListener;
        container.execute(() -> callBack(writeListener));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        check();
        synchronized (pending) {
            pending.write(bytes, offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        check();
        flushes.incrementAndGet();
        String text;
        synchronized (pending) {
            text = pending.toString(StandardCharsets.UTF_8);
            pending.reset();
        }
        parse(text);
    }

    /** What the hub's {@code end} does: completes the request. */
    void end() {
        endedBy = Thread.currentThread().getName();
        ended.countDown();
    }

    String endedBy() {
        return endedBy;
    }

    /** The client goes away: every later write fails, as it does on a reset connection. */
    void disconnect() {
        disconnected = true;
    }

    /** The socket drains again: the container calls the listener back. */
    void unstall() {
        stalled = false;
        WriteListener current = listener;
        if (current != null) {
            container.execute(() -> callBack(current));
        }
    }

    int flushCount() {
        return flushes.get();
    }

    int writtenCount() {
        return written.size();
    }

    /** Waits up to 10 s: after a failed write the hub leaves the end to the container for 5 s first. */
    boolean awaitEnded() throws InterruptedException {
        return ended.await(10, TimeUnit.SECONDS);
    }

    boolean isEnded() {
        return ended.getCount() == 0;
    }

    /** Fails the test if the hub wrote to an output that was not ready or whose request had ended. */
    void assertUsedCorrectly() {
        if (misuse != null) {
            throw misuse;
        }
    }

    /** The next written event; fails after 5 seconds. */
    Written next() throws InterruptedException {
        assertUsedCorrectly();
        Written event = written.poll(5, TimeUnit.SECONDS);
        assertNotNull(event, "no event written within 5 s");
        return event;
    }

    /** Every event up to and including the first that matches. */
    List<Written> until(Predicate<Written> last) throws InterruptedException {
        List<Written> events = new ArrayList<>();
        Written event;
        do {
            event = next();
            events.add(event);
        } while (!last.test(event));
        return events;
    }

    /** Nothing more was written within a short wait. */
    void assertNothingMore() throws InterruptedException {
        Written event = written.poll(200, TimeUnit.MILLISECONDS);
        assertTrue(event == null, () -> "unexpected event " + event);
        assertUsedCorrectly();
    }

    private void callBack(WriteListener writeListener) {
        try {
            writeListener.onWritePossible();
        } catch (IOException e) {
            writeListener.onError(e);
        }
    }

    private void check() throws IOException {
        if (isEnded()) {
            // the hub must never write to a request it completed: the container may have recycled it
            misuse = new AssertionError("write after the request ended");
        }
        if (stalled) {
            misuse = new AssertionError("write while the output was not ready");
        }
        if (disconnected) {
            throw new IOException("connection reset by peer");
        }
    }

    private void parse(String text) {
        for (String block : text.split("\n\n")) {
            if (block.isEmpty()) {
                continue;
            }
            String name = null;
            String id = null;
            String comment = null;
            Long retry = null;
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith(": ")) {
                    comment = line.substring(2);
                } else if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("retry: ")) {
                    retry = Long.parseLong(line.substring(7));
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder() : data.append('\n');
                    data.append(line.substring(6));
                }
            }
            written.add(new Written(name, id, data == null ? null : data.toString(), retry, comment));
        }
    }
}
