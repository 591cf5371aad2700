package dev.herald.stream;

import jakarta.ws.rs.sse.OutboundSseEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * What waits to be written to one stream, in order: the opening (welcome, catch-up or reset, retained events,
 * ready), then live events and heartbeats, and after a shutdown's last {@code retry:} line, its end. Live events are
 * bounded by {@code herald.subscriber.queue-size}; the opening is not (its retained events are, by
 * {@code herald.limits.retained-per-stream}), and is produced lazily, so a long catch-up costs no memory up front.
 * Not thread-safe: its {@link Subscriber} guards it with its lock, except the encoding of the
 * opening ({@link Opening#take()}), which the one draining thread does without it, so that a broadcast that
 * enqueues for this stream never waits for a catch-up of thousands of events to be encoded.
 */
final class Outbox {

    /** Bytes written per turn on a delivery thread before other clients get theirs. */
    static final int BYTES_PER_TURN = 64 * 1024;
    private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);
    /** Queued after a shutdown's last {@code retry:} line: the stream ends once everything before it is written. */
    private static final byte[] END_OF_STREAM = new byte[0];
    private static final Iterator<OutboundSseEvent> NO_OPENING = Collections.emptyIterator();

    /**
     * The live queue's first capacity; it doubles as needed. Most streams never hold more than a few events at
     * once, and an idle stream's memory is what a node of thousands of them pays.
     */
    private static final int FIRST_CAPACITY = 8;

    private final int limit;
    /**
     * The live queue: a ring of {@code size} items from {@code head}, in this object's own fields rather than an
     * {@code ArrayDeque}, so a broadcast's send to ten thousand streams touches one object fewer in each. Its length
     * is a power of two, so a position wraps with a mask. Bounded: live events by {@code limit}, and besides them at
     * most a heartbeat and a shutdown's last lines.
     */
    private byte[][] items = new byte[FIRST_CAPACITY][];
    private int head;
    private int size;
    private Iterator<OutboundSseEvent> opening = NO_OPENING;
    /** Taken for a write it did not fit in; it goes first next time. */
    private byte[] carry;
    /** Taken by a drain that then found the output not ready: it is written first, as it was, when the drain resumes. */
    private Batch held;
    /** The live events in {@link #held}: they count against {@code limit}, the opening's do not. */
    private int heldLive;
    /**
     * {@link System#nanoTime()} when the last event queued was published, or a heartbeat queued (or the stream
     * opened): a heartbeat waits for quiet.
     */
    private long lastQueuedNanos = System.nanoTime();
    /** {@link System#nanoTime()} when the oldest event now queued was published (or the stream opened). */
    private long oldestQueuedNanos = lastQueuedNanos;
    private final long openedNanos = lastQueuedNanos;

    Outbox(int limit) {
        this.limit = limit;
    }

    void open(Iterator<OutboundSseEvent> openingEvents) {
        opening = openingEvents;
    }

    /**
     * Queues a live event, published at {@code publishedNanos} ({@link System#nanoTime()}: one reading for a
     * broadcast, not one per stream); false, queuing nothing, when {@code limit} events already wait.
     */
    boolean add(byte[] event, long publishedNanos) {
        if (size + heldLive >= limit) {
            return false;
        }
        if (size == 0) {
            oldestQueuedNanos = publishedNanos;
        }
        push(event);
        lastQueuedNanos = publishedNanos;
        return true;
    }

    /** Queues a heartbeat if nothing was queued for {@code quietNanos} up to {@code nowNanos} and nothing waits. */
    boolean addHeartbeatIfQuiet(long nowNanos, long quietNanos) {
        if (nowNanos - lastQueuedNanos < quietNanos || size > 0 || carry != null || held != null) {
            return false;
        }
        push(HEARTBEAT);
        lastQueuedNanos = nowNanos;
        return true;
    }

    /** Queues a last {@code retry:} line, then the end: nothing queued after it is written. */
    void addLastRetry(long retryMs) {
        push(("retry: " + retryMs + "\n\n").getBytes(StandardCharsets.US_ASCII));
        push(END_OF_STREAM);
    }

    /** Nothing more to write, though the end may wait: see {@link #reachedEnd()}. */
    boolean isDrained() {
        return held == null && carry == null && !opening.hasNext() && (size == 0 || peek() == END_OF_STREAM);
    }

    /** Everything before a shutdown's end has been taken. */
    boolean reachedEnd() {
        return isDrained() && peek() == END_OF_STREAM;
    }

    /** Drops what waits: the stream is ending. */
    void clear() {
        Arrays.fill(items, null);
        head = 0;
        size = 0;
        carry = null;
        held = null;
        heldLive = 0;
        opening = NO_OPENING;
    }

    /**
     * Under the lock: the opening, if any of it is left, to be encoded by the drain outside the lock; null once it
     * has all been taken, when {@link #take()} gives what is queued.
     */
    Opening opening() {
        if (!openingLeft()) {
            return null;
        }
        Opening turn = new Opening(opening, carry);
        carry = null;
        return turn;
    }

    /** Under the lock: whether {@link #opening()} has a turn to give; lets a finished opening go. No other change. */
    boolean openingLeft() {
        if (held != null || opening == NO_OPENING) {
            return false;
        }
        if (!opening.hasNext()) {
            // let the finished catch-up go: it holds the replay and its stream pipeline for the stream's whole life
            opening = NO_OPENING;
            return false;
        }
        return true;
    }

    /** Under the lock, after an {@link Opening} turn: what did not fit in it goes first next time. */
    void rest(Opening turn) {
        if (opening == turn.events) {
            carry = turn.left;
        }
    }

    /**
     * What comes next of the live queue, at most a turn's worth unless one event alone is larger, in one array;
     * empty for none. Only once the opening is all taken ({@link #opening()} null).
     */
    Batch take() {
        if (held != null) {
            Batch batch = held;
            held = null;
            heldLive = 0;
            return batch;
        }
        byte[] first = next();
        return first == null ? Batch.EMPTY : collect(first, live, System.nanoTime() - oldestQueuedNanos);
    }

    /**
     * Under the lock: {@code batch} was taken but not written (the output was not ready); it goes first next time.
     * {@code live}: it came from the live queue, not the opening.
     */
    void putBack(Batch batch, boolean live) {
        held = batch;
        heldLive = live ? batch.events() : 0;
    }

    /** Where a batch's items come from: null for no more; the item that would overflow the turn is kept back. */
    private interface Source {
        byte[] next();

        void keep(byte[] item);
    }

    /**
     * {@code first} and what {@code source} gives in one array, at most a turn's worth unless {@code first} alone is
     * larger. (The sources are objects, not lambdas: a live batch is taken per event and stream, and a capturing
     * lambda would be two more allocations each time.)
     */
    private static Batch collect(byte[] first, Source source, long waitedNanos) {
        int length = first.length;
        int events = first == HEARTBEAT ? 0 : 1;
        boolean heartbeat = first == HEARTBEAT;
        List<byte[]> more = null;
        for (byte[] item = source.next(); item != null; item = source.next()) {
            if (length + item.length > BYTES_PER_TURN) {
                source.keep(item);
                break;
            }
            if (more == null) {
                more = new ArrayList<>();
            }
            more.add(item);
            length += item.length;
            if (item == HEARTBEAT) {
                heartbeat = true;
            } else {
                events++;
            }
        }
        return Batch.of(first, more, length, events, heartbeat, waitedNanos);
    }

    /** What comes next of the live queue, or null; the end of a stream is left for the drain to see. */
    private byte[] next() {
        if (carry != null) {
            byte[] next = carry;
            carry = null;
            return next;
        }
        return size == 0 || peek() == END_OF_STREAM ? null : poll();
    }

    private void push(byte[] item) {
        if (size == items.length) {
            // unwrapped into a twice larger array: the ring's order is kept
            byte[][] larger = new byte[items.length * 2][];
            int firstPart = items.length - head;
            System.arraycopy(items, head, larger, 0, firstPart);
            System.arraycopy(items, 0, larger, firstPart, head);
            items = larger;
            head = 0;
        }
        items[(head + size) & (items.length - 1)] = item;
        size++;
    }

    /** The first item queued, or null. */
    private byte[] peek() {
        return size == 0 ? null : items[head];
    }

    private byte[] poll() {
        byte[] item = items[head];
        items[head] = null;
        head = (head + 1) & (items.length - 1);
        size--;
        return item;
    }

    /** The live queue as a batch's source. */
    private final Source live = new Source() {
        @Override
        public byte[] next() {
            return Outbox.this.next();
        }

        @Override
        public void keep(byte[] item) {
            carry = item;
        }
    };

    /**
     * One turn of the opening: its events are encoded by the draining thread alone, without the subscriber's lock.
     * {@code first}, when not null, is what did not fit in the last turn.
     */
    static final class Opening implements Source {

        private final Iterator<OutboundSseEvent> events;
        private byte[] left;

        private Opening(Iterator<OutboundSseEvent> events, byte[] first) {
            this.events = events;
            this.left = first;
        }

        /** Encodes up to a turn's worth (or one event, if larger), keeping what would overflow it for the next. */
        Batch take(long openedNanos) {
            byte[] first = left != null ? left : next();
            left = null;
            return first == null ? Batch.EMPTY : collect(first, this, System.nanoTime() - openedNanos);
        }

        @Override
        public byte[] next() {
            return events.hasNext() ? PreEncodedEvent.of(events.next()).bytes() : null;
        }

        @Override
        public void keep(byte[] item) {
            left = item;
        }
    }

    /** When the stream opened; what its opening waited is measured from then. */
    long openedNanos() {
        return openedNanos;
    }

    /**
     * Bytes to write: the first {@code length} of {@code bytes}, holding {@code events} events and, when
     * {@code heartbeat}, a heartbeat; the oldest of them waited {@code waitedNanos}.
     */
    record Batch(byte[] bytes, int length, int events, boolean heartbeat, long waitedNanos) {
        static final Batch EMPTY = new Batch(new byte[0], 0, 0, false, 0);

        /** A batch of nothing, told apart by identity: a drain's signal rather than something to write. */
        static Batch marker() {
            return new Batch(new byte[0], 0, 0, false, 0);
        }

        /** {@code first} and then {@code more} (null for none), {@code length} bytes in all, in one array. */
        static Batch of(byte[] first, List<byte[]> more, int length, int events, boolean heartbeat, long waited) {
            if (more == null) {
                return new Batch(first, length, events, heartbeat, waited);
            }
            byte[] bytes = new byte[length];
            System.arraycopy(first, 0, bytes, 0, first.length);
            int at = first.length;
            for (byte[] item : more) {
                System.arraycopy(item, 0, bytes, at, item.length);
                at += item.length;
            }
            return new Batch(bytes, length, events, heartbeat, waited);
        }
    }
}
