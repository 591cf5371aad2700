package dev.herald.bench;

import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;

/**
 * One simulated EventSource: the state of its current connection, the response it is reading, and what it has
 * received over the whole run. Owned by one {@link SubscriberLoop}'s thread; the run reads it after that thread ended.
 */
final class Subscriber implements SseListener {

    enum State {
        /** Not yet asked to connect. */
        IDLE,
        /** Waiting for its turn to connect ({@link #dueAt}). */
        PENDING,
        CONNECTING,
        SENDING,
        /** Request sent, reading the response head. */
        HEAD,
        /** Reading the event stream. */
        STREAM,
        /** A stalled subscriber not reading until {@link #dueAt}. */
        STALLED,
        /** The server ended the stream; reconnecting at {@link #dueAt}. */
        WAITING,
        /** Closed by the tool in the reconnect scenario, until it reconnects them all. */
        PARKED,
        /** Its first connection failed, or it gave up reconnecting. */
        FAILED,
        /** The server ended the stream and reconnecting is off. */
        ENDED
    }

    /** Why a connection is being made; decides which counters and connect-time histograms it goes to. */
    enum Attempt { INITIAL, RECONNECT_ALL, AFTER_EOF }

    /** A response head beyond this is not an event stream server's. */
    private static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final byte[] READY = "ready".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESET = "reset".getBytes(StandardCharsets.US_ASCII);

    final int index;
    final boolean stalled;
    final BitSet received;
    private final Target target;
    private final int events;
    private final long runStart;
    private final Tally tally;
    private final SseParser parser = new SseParser(this);
    private final ChunkedDecoder chunks = new ChunkedDecoder();

    State state = State.IDLE;
    Attempt attempt;
    Attempt nextAttempt = Attempt.INITIAL;
    SocketChannel channel;
    SelectionKey key;
    ByteBuffer unsent;
    long attemptStartedAt;
    long dueAt;
    /** On targets without {@code ready}: events below this seq on a reconnected stream are its catch-up. */
    int replayBelow;
    /** Connected by the target's measure: response headers, or {@code ready} on Herald. */
    boolean established;
    boolean everConnected;
    /** Set while reading: the response was refused, with this reason. */
    String failure;
    /** Set while reading: the body ended (last chunk, or Content-Length reached). */
    boolean ended;
    /** Set while reading: the first bench event arrived and this subscriber should stop reading now. */
    boolean stallNow;
    boolean stallDone;
    int consecutiveFailures;

    long deliveries;
    long duplicates;
    long replayed;
    int disconnects;
    int reconnects;
    int resets;
    /** Events of the current drain target received, and whether that is all of them (kept by {@link Tally}). */
    int targetHits;
    boolean complete;

    private byte[] head;
    private int headLength;
    private boolean chunked;
    private long bodyRemaining;
    private boolean readySeen;
    private long now;

    Subscriber(int index, boolean stalled, Target target, int events, long runStart, Tally tally) {
        this.index = index;
        this.stalled = stalled;
        this.target = target;
        this.events = events;
        this.runStart = runStart;
        this.tally = tally;
        this.received = new BitSet(events);
    }

    /** Whether it is still expected to receive events: connected, reconnecting, or about to connect. */
    boolean isLive() {
        return state != State.FAILED && state != State.ENDED && state != State.IDLE;
    }

    /** Starts a new connection: forgets the last response, keeps the last event id. */
    void begin(Attempt kind, long at) {
        attempt = kind;
        attemptStartedAt = at;
        head = new byte[512];
        headLength = 0;
        chunks.reset();
        parser.newConnection();
        established = false;
        readySeen = false;
        failure = null;
        ended = false;
        stallNow = false;
    }

    /** The GET of the stream, resuming with {@code Last-Event-ID} on every connection but the first. */
    byte[] request(String host, String path) {
        StringBuilder request = new StringBuilder(192)
                .append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Accept: text/event-stream\r\n")
                .append("Cache-Control: no-cache\r\n");
        String lastEventId = attempt == Attempt.INITIAL ? null : parser.lastEventId();
        if (lastEventId != null) {
            request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Takes what one read returned, read at {@code at}; the loop then looks at {@link #failure}, {@link #ended} and {@link #stallNow}. */
    void onBytes(byte[] bytes, int length, long at) throws ProtocolException {
        now = at;
        if (state == State.HEAD) {
            if (headLength + length > MAX_HEAD_BYTES) {
                throw new ProtocolException("a response head over " + MAX_HEAD_BYTES + " bytes");
            }
            if (headLength + length > head.length) {
                head = Arrays.copyOf(head, Math.min(MAX_HEAD_BYTES, Math.max(headLength + length, head.length * 2)));
            }
            System.arraycopy(bytes, 0, head, headLength, length);
            int from = headLength - 3;
            headLength += length;
            readHead(from);
            return;
        }
        body(bytes, 0, length);
    }

    private void readHead(int from) throws ProtocolException {
        int end = ResponseHead.end(head, from, headLength);
        if (end < 0) {
            return;
        }
        ResponseHead response = ResponseHead.parse(head, end);
        if (response.status() >= 100 && response.status() < 200) {
            // an interim response: the real head follows it
            System.arraycopy(head, end, head, 0, headLength - end);
            headLength -= end;
            readHead(0);
            return;
        }
        if (response.status() != 200) {
            failure = "status " + response.status();
            return;
        }
        if (!response.isEventStream()) {
            failure = "content-type " + response.contentType();
            return;
        }
        state = State.STREAM;
        chunked = response.chunked();
        bodyRemaining = response.contentLength();
        (attempt == Attempt.RECONNECT_ALL ? tally.reconnectHeaders : tally.connectHeaders).record(now - attemptStartedAt);
        if (!target.announcesReady()) {
            establish();
        }
        byte[] rest = head;
        head = null;
        body(rest, end, headLength - end);
    }

    private void body(byte[] bytes, int offset, int length) throws ProtocolException {
        if (length == 0 || ended) {
            return;
        }
        if (chunked) {
            ended = chunks.decode(bytes, offset, length, parser);
        } else if (bodyRemaining >= 0) {
            int n = (int) Math.min(length, bodyRemaining);
            parser.feed(bytes, offset, n);
            bodyRemaining -= n;
            ended = bodyRemaining == 0;
        } else {
            parser.feed(bytes, offset, length);
        }
    }

    @Override
    public void onEvent(byte[] type, int typeLength, byte[] data, int dataLength) {
        if (typeLength == READY.length && Arrays.equals(type, 0, typeLength, READY, 0, READY.length)) {
            if (target.announcesReady() && !readySeen) {
                readySeen = true;
                (attempt == Attempt.RECONNECT_ALL ? tally.reconnectReady : tally.connectReady).record(now - attemptStartedAt);
                establish();
            }
            return;
        }
        if (typeLength == RESET.length && Arrays.equals(type, 0, typeLength, RESET, 0, RESET.length)) {
            resets++;
            return;
        }
        long seq = BenchPayload.seq(data, dataLength);
        long sentAt = BenchPayload.sentAt(data, dataLength);
        if (seq < 0 || sentAt == BenchPayload.NO_TIME) {
            return;
        }
        if (seq >= events || sentAt - runStart < 0) {
            // another run's event: its seq is beyond ours, or it was sent before this run started (same clock)
            tally.foreign++;
            return;
        }
        boolean replay = target.announcesReady() ? !readySeen : seq < replayBelow;
        deliveries++;
        if (replay) {
            replayed++;
            if (attempt == Attempt.RECONNECT_ALL) {
                tally.replayedOnReconnect++;
            }
        }
        if (received.get((int) seq)) {
            duplicates++;
        } else {
            received.set((int) seq);
            tally.firstReceipt(this, (int) seq);
        }
        tally.delivery(now - sentAt, stalled, replay, now);
        if (stalled && !stallDone) {
            stallDone = true;
            stallNow = true;
        }
    }

    @Override
    public void onComment() {
        // heartbeats only keep the stream open
    }

    private void establish() {
        established = true;
        consecutiveFailures = 0;
        tally.open++;
        switch (attempt) {
            case INITIAL -> {
                everConnected = true;
                tally.connected++;
            }
            case RECONNECT_ALL -> {
                tally.reconnectedAll++;
                tally.reconnectPending--;
            }
            case AFTER_EOF -> {
                reconnects++;
                tally.reconnects++;
            }
        }
    }
}
