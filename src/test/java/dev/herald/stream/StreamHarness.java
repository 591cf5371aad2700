package dev.herald.stream;

import dev.herald.metrics.HeraldMetrics;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@link Subscriber} with everything around it played by the test, on the test's thread: the delivery
 * threads, the container's callbacks and the grace timer are queues the test runs one task at a time, and the
 * output is a socket the test fills, drains or breaks. An action can also be set to run inside the next write,
 * as another thread would while a drain is writing. Every misuse of the output or of the request is recorded as a
 * violation: a write while not ready or after the request ended, a second completion, a completion after the
 * container ended the request, a second report of the end, an event out of order or twice.
 */
final class StreamHarness {

    private static final Pattern ID = Pattern.compile("(?m)^id: e-([0-9]+)$");

    final Queue<Runnable> deliveryTasks = new ArrayDeque<>();
    final Queue<Runnable> containerTasks = new ArrayDeque<>();
    final Queue<Runnable> graceTasks = new ArrayDeque<>();
    final Output output = new Output();
    private final Delivery delivery = new Delivery(deliveryTasks::add, graceTasks::add, new HeraldMetrics("test"));
    final Subscriber subscriber;
    private final JerseyEvents sse = new JerseyEvents();

    final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Event numbers as the client parsed them from what was flushed, in order. */
    final List<Integer> received = new ArrayList<>();
    final List<Subscriber.CloseReason> reports = new ArrayList<>();
    int completions;
    /** The request is over: Herald completed it, or the container ended it. */
    volatile boolean requestEnded;
    volatile boolean containerEndedFirst;
    int sent;

    StreamHarness(int queueLimit, int openingEvents) {
        this(queueLimit, openingEvents, null);
    }

    /** @param expiresAt when the stream's token expires, or null */
    StreamHarness(int queueLimit, int openingEvents, Instant expiresAt) {
        this(queueLimit, openingEvents, expiresAt, Instant.MAX);
    }

    /** @param endsAt when the stream reaches its lifetime */
    StreamHarness(int queueLimit, int openingEvents, Instant expiresAt, Instant endsAt) {
        Client client = new Client("AAAAAAAAAA", List.of("t"), false, "test", Instant.now(), expiresAt, endsAt, null);
        subscriber = new Subscriber(client, output, this::complete, delivery, queueLimit, (s, reason) -> {
            if (!reports.isEmpty()) {
                violations.add("the end was reported twice: " + reports + " and " + reason);
            }
            reports.add(reason);
        });
        List<OutboundSseEvent> opening = new ArrayList<>();
        for (int i = 0; i < openingEvents; i++) {
            opening.add(event());
        }
        subscriber.open(opening.iterator());
    }

    /** The runtime hands the output over; the container answers with a first callback. */
    void start() {
        subscriber.start();
    }

    /** A broadcast of the next event, as the hub makes it: send under its lock, then dispatch. */
    void publish() {
        subscriber.send(event());
        delivery.dispatch();
    }

    private OutboundSseEvent event() {
        return new PreEncodedEvent(sse.newEventBuilder().id("e-" + sent++).name("m").data(String.class, "1").build());
    }

    /** The container ends the request: the client went away, or the application is being undeployed. */
    void containerEnds() {
        if (requestEnded) {
            return;
        }
        requestEnded = true;
        containerEndedFirst = true;
        subscriber.containerEnded();
    }

    /**
     * The container times the request out (its context is stopping): Herald may end it within the callback; what
     * is not completed when the callback returns, the container ends.
     */
    void containerTimesOut() {
        if (requestEnded) {
            return;
        }
        subscriber.containerTimedOut(2000);
        containerEnds();
    }

    boolean runOne(Queue<Runnable> tasks) {
        Runnable task = tasks.poll();
        if (task == null) {
            return false;
        }
        task.run();
        return true;
    }

    /** Runs every pending task of the delivery threads and the container, then the grace timer's, until none. */
    void quiesce() {
        for (int rounds = 0; rounds < 10_000; rounds++) {
            if (!runOne(deliveryTasks) && !runOne(containerTasks) && !runOne(graceTasks)) {
                return;
            }
        }
        violations.add("still busy after 10,000 tasks");
    }

    private void complete() {
        completions++;
        if (completions > 1) {
            violations.add("the request was completed twice");
        }
        if (containerEndedFirst) {
            violations.add("the request was completed after the container ended it");
        }
        if (!requestEnded) {
            requestEnded = true;
            // the container tells its listeners, as it does after AsyncContext.complete()
            containerTasks.add(subscriber::containerEnded);
        }
    }

    private void parse(String text) {
        Matcher id = ID.matcher(text);
        while (id.find()) {
            int number = Integer.parseInt(id.group(1));
            if (!received.isEmpty() && number <= received.get(received.size() - 1)) {
                violations.add("event " + number + " after " + received.get(received.size() - 1));
            }
            received.add(number);
        }
    }

    /**
     * The container's non-blocking output over a socket the test controls. As in the Servlet API, the container
     * calls the write listener back only after {@link #isReady()} said false and the socket drained.
     */
    final class Output extends ServletOutputStream {

        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        /** Everything flushed, as text. */
        final StringBuilder flushed = new StringBuilder();
        private WriteListener listener;
        private boolean full;
        private boolean notReadySeen;
        private boolean broken;
        private Runnable duringWrite;
        int writes;

        @Override
        public boolean isReady() {
            if (full) {
                notReadySeen = true;
                return false;
            }
            return true;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            listener = writeListener;
            containerTasks.add(this::callBack);
        }

        /** The socket takes no more until {@link #drainSocket()}. */
        void fill() {
            full = true;
        }

        /** The socket drains: if the writer saw it full, the container calls it back. */
        void drainSocket() {
            full = false;
            if (notReadySeen && listener != null) {
                notReadySeen = false;
                containerTasks.add(this::callBack);
            }
        }

        /** The client is gone: every later write fails, and the container will notice and end the request. */
        void breakConnection() {
            if (!broken) {
                broken = true;
                containerTasks.add(StreamHarness.this::containerEnds);
            }
        }

        /** Runs {@code action} inside the next write, after its bytes are taken: another thread, mid-drain. */
        void duringNextWrite(Runnable action) {
            duringWrite = action;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            check("write");
            writes++;
            pending.write(bytes, offset, length);
            Runnable action = duringWrite;
            duringWrite = null;
            if (action != null) {
                action.run();
            }
        }

        @Override
        public void flush() throws IOException {
            check("flush");
            String text = pending.toString(StandardCharsets.UTF_8);
            flushed.append(text);
            parse(text);
            pending.reset();
        }

        private void check(String what) throws IOException {
            if (full) {
                violations.add(what + " while the output was not ready");
            }
            if (requestEnded) {
                violations.add(what + " after the request ended");
            }
            if (broken) {
                throw new IOException("connection reset by peer");
            }
        }

        private void callBack() {
            try {
                listener.onWritePossible();
            } catch (IOException e) {
                listener.onError(e);
            }
        }

    }
}
