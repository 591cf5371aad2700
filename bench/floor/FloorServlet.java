package floor;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's floor for a servlet container: the least a fan-out over the servlet API can do, with nothing of
 * Herald's (no JAX-RS, topics, history, ids, metrics or limits). Speaks the Nchan peer's protocol: GET /sub/x
 * streams, POST /pub/x sends its body as the data of one event to every stream. Not part of Herald.
 */
@WebServlet(urlPatterns = {"/sub/*", "/pub/*"}, asyncSupported = true, loadOnStartup = 1)
public class FloorServlet extends HttpServlet {

    private static final int STREAMS_PER_TASK = 64;   // as Herald's delivery
    private static final int QUEUE_LIMIT = 1000;      // a stream this far behind is dropped, as in Herald

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private ExecutorService writers;

    @Override
    public void init() {
        writers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public void destroy() {
        writers.shutdownNow();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/event-stream;charset=UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Stream stream = new Stream(async, response.getOutputStream());
        async.addListener(stream);
        streams.add(stream);
        response.getOutputStream().setWriteListener(stream);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String data = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        byte[] event = ("id: " + ids.incrementAndGet() + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        Stream[] all = streams.toArray(new Stream[0]);
        for (int from = 0; from < all.length; from += STREAMS_PER_TASK) {
            Stream[] group = Arrays.copyOfRange(all, from, Math.min(all.length, from + STREAMS_PER_TASK));
            writers.execute(() -> {
                for (Stream stream : group) {
                    stream.send(event);
                }
            });
        }
        response.setStatus(202);
    }

    /** One open stream: a bounded queue drained through the non-blocking output. */
    private final class Stream implements WriteListener, AsyncListener {

        private final AsyncContext async;
        private final ServletOutputStream out;
        private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        private boolean closed;

        Stream(AsyncContext async, ServletOutputStream out) {
            this.async = async;
            this.out = out;
            queue.add(": ok\n\n".getBytes(StandardCharsets.US_ASCII)); // commits the headers at once
        }

        synchronized void send(byte[] event) {
            if (closed) {
                return;
            }
            if (queue.size() >= QUEUE_LIMIT) {
                close();
                return;
            }
            queue.add(event);
            drain();
        }

        private void drain() {
            try {
                while (!closed && out.isReady()) {
                    byte[] next = queue.poll();
                    if (next == null) {
                        return;
                    }
                    out.write(next);
                    out.flush();
                }
            } catch (IOException | IllegalStateException e) {
                close();
            }
        }

        private void close() {
            if (!closed) {
                closed = true;
                streams.remove(this);
                async.complete();
            }
        }

        @Override
        public synchronized void onWritePossible() {
            drain();
        }

        @Override
        public synchronized void onError(Throwable t) {
            close();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            streams.remove(this);
        }

        @Override
        public synchronized void onTimeout(AsyncEvent event) {
            close();
        }

        @Override
        public synchronized void onError(AsyncEvent event) {
            close();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
