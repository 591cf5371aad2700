package dev.herald.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    /** Herald's opening, an event with fields in another order, multi-line data, every line ending, comments. */
    private static final String STREAM = "retry: 3000\nevent: welcome\ndata: {\"clientId\":\"V1StGXR8_Z\"}\n\n"
            + "id: abcdefgh-0\r\nevent: ready\r\ndata: {\"replayed\":0}\r\n\r\n"
            + ": heartbeat\n\n"
            + "data: {\"seq\":0,\"t\":12}\revent: bench\rid: abcdefgh-1\r\r"
            + "data:first\ndata: second\ndata\n\n"
            + "id: abcdefgh-2\nignored-field: x\nevent\ndata: {\"seq\":1,\"t\":-5}\n\n"
            + "id: only-an-id\n\n"
            + "data: unfinished";

    private static final List<String> EVENTS = List.of(
            "welcome|{\"clientId\":\"V1StGXR8_Z\"}|null",
            "ready|{\"replayed\":0}|abcdefgh-0",
            "bench|{\"seq\":0,\"t\":12}|abcdefgh-1",
            "message|first\nsecond\n|abcdefgh-1",
            "message|{\"seq\":1,\"t\":-5}|abcdefgh-2");

    @Test
    void readsEventsByTheEventSourceRules() throws Exception {
        Recorder recorder = new Recorder();

        recorder.parser.feed(bytes(STREAM), 0, bytes(STREAM).length);

        assertEquals(EVENTS, recorder.events);
        assertEquals(1, recorder.comments);
        assertEquals(3000, recorder.parser.retryMillis());
        assertEquals("only-an-id", recorder.parser.lastEventId(), "an event without data still moves the last id");
    }

    @Test
    void givesTheSameEventsWhereverTheReadsSplitTheStream() throws Exception {
        byte[] stream = bytes(STREAM);
        for (int split = 0; split <= stream.length; split++) {
            Recorder recorder = new Recorder();
            recorder.parser.feed(stream, 0, split);
            recorder.parser.feed(stream, split, stream.length - split);

            assertEquals(EVENTS, recorder.events, "split at " + split);
        }
    }

    @Test
    void givesTheSameEventsFedOneByteAtATime() throws Exception {
        byte[] stream = bytes(STREAM);
        Recorder recorder = new Recorder();
        for (int i = 0; i < stream.length; i++) {
            recorder.parser.feed(stream, i, 1);
        }

        assertEquals(EVENTS, recorder.events);
        assertEquals("only-an-id", recorder.parser.lastEventId());
    }

    @Test
    void takesCrAtTheEndOfOneReadAndLfAtTheStartOfTheNextAsOneLineEnd() throws Exception {
        Recorder recorder = new Recorder();
        recorder.parser.feed(bytes("data: a\r"), 0, 8);
        recorder.parser.feed(bytes("\n\r"), 0, 2);
        recorder.parser.feed(bytes("\ndata: b\n\n"), 0, 10);

        assertEquals(List.of("message|a|null", "message|b|null"), recorder.events);
    }

    @Test
    void aNewConnectionDropsTheUnfinishedEventAndKeepsTheLastId() throws Exception {
        Recorder recorder = new Recorder();
        byte[] first = bytes("id: abcdefgh-7\ndata: x\n\ndata: half");
        recorder.parser.feed(first, 0, first.length);

        recorder.parser.newConnection();
        byte[] second = bytes("data: y\n\n");
        recorder.parser.feed(second, 0, second.length);

        assertEquals(List.of("message|x|abcdefgh-7", "message|y|abcdefgh-7"), recorder.events);
        assertEquals("abcdefgh-7", recorder.parser.lastEventId());
    }

    @Test
    void anIdOfAnEventCutOffByTheConnectionsEndIsNotTheLastId() throws Exception {
        Recorder recorder = new Recorder();
        byte[] first = bytes("id: abcdefgh-7\ndata: x\n\nid: abcdefgh-8\ndata: cut");
        recorder.parser.feed(first, 0, first.length);

        assertEquals("abcdefgh-7", recorder.parser.lastEventId(), "only a dispatched event moves the last id");
        recorder.parser.newConnection();
        byte[] second = bytes("event: welcome\ndata: {}\n\n");
        recorder.parser.feed(second, 0, second.length);

        assertEquals(List.of("message|x|abcdefgh-7", "welcome|{}|abcdefgh-7"), recorder.events,
                "an event without an id on the next connection keeps the id, as browsers do");
    }

    @Test
    void skipsALeadingByteOrderMarkEvenWhenSplit() throws Exception {
        byte[] stream = bytes("\uFEFFdata: x\n\n");
        Recorder recorder = new Recorder();
        for (int i = 0; i < stream.length; i++) {
            recorder.parser.feed(stream, i, 1);
        }

        assertEquals(List.of("message|x|null"), recorder.events);
    }

    @Test
    void anEmptyIdClearsTheLastIdAndOneWithNulIsIgnored() throws Exception {
        Recorder recorder = new Recorder();
        byte[] stream = bytes("id: a\ndata: 1\n\nid: b\u0000c\ndata: 2\n\nid\ndata: 3\n\n");
        recorder.parser.feed(stream, 0, stream.length);

        assertEquals(List.of("message|1|a", "message|2|a", "message|3|null"), recorder.events);
        assertNull(recorder.parser.lastEventId());
    }

    @Test
    void refusesALineThatNeverEnds() {
        Recorder recorder = new Recorder();
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');

        assertThrows(ProtocolException.class, () -> {
            for (int i = 0; i < 64; i++) {
                recorder.parser.feed(chunk, 0, chunk.length);
            }
        });
    }

    @Test
    void decodesChunksSplitAtEveryByte() throws Exception {
        byte[] chunked = chunked(bytes(STREAM), 1, 7, 2, 30, 3, 200);
        for (int split = 0; split <= chunked.length; split++) {
            Recorder recorder = new Recorder();
            ChunkedDecoder decoder = new ChunkedDecoder();

            assertFalse(decoder.decode(chunked, 0, split, recorder.parser) && split < chunked.length, "ended early at " + split);
            boolean ended = decoder.decode(chunked, split, chunked.length - split, recorder.parser);

            assertTrue(ended, "split at " + split);
            assertEquals(EVENTS, recorder.events, "split at " + split);
        }
    }

    @Test
    void decodesChunksFedOneByteAtATime() throws Exception {
        byte[] chunked = chunked(bytes(STREAM), 5, 1, 64);
        Recorder recorder = new Recorder();
        ChunkedDecoder decoder = new ChunkedDecoder();
        boolean ended = false;
        for (int i = 0; i < chunked.length; i++) {
            assertFalse(ended, "ended before byte " + i);
            ended = decoder.decode(chunked, i, 1, recorder.parser);
        }

        assertTrue(ended);
        assertEquals(EVENTS, recorder.events);
    }

    @Test
    void refusesAChunkSizeThatIsNotHex() {
        Recorder recorder = new Recorder();
        byte[] bad = bytes("zz\r\nabc\r\n");

        assertThrows(ProtocolException.class, () -> new ChunkedDecoder().decode(bad, 0, bad.length, recorder.parser));
    }

    @Test
    void findsTheHeadOfAStreamAndHowItsBodyIsFramed() throws Exception {
        byte[] response = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream;charset=UTF-8\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n1a\r\n");
        int end = ResponseHead.end(response, 0, response.length);
        ResponseHead head = ResponseHead.parse(response, end);

        assertEquals(response.length - "1a\r\n".length(), end);
        assertEquals(200, head.status());
        assertTrue(head.isEventStream());
        assertTrue(head.chunked());
        assertEquals(-1, ResponseHead.end(response, 0, end - 1), "not before the blank line has arrived");
        byte[] refused = bytes("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
        ResponseHead busy = ResponseHead.parse(refused, ResponseHead.end(refused, 0, refused.length));
        assertEquals(503, busy.status());
        assertEquals(0, busy.contentLength());
        assertFalse(busy.isEventStream());
    }

    @Test
    void readsSeqAndSendTimeFromABenchPayload() {
        byte[] padded = bytes(BenchPayload.format(42, 123456789L, 100));
        byte[] plain = bytes(BenchPayload.format(7, -3, 0));
        byte[] other = bytes("{\"replayed\":3}");

        assertEquals(100, padded.length);
        assertEquals(42, BenchPayload.seq(padded, padded.length));
        assertEquals(123456789L, BenchPayload.sentAt(padded, padded.length));
        assertEquals("{\"seq\":7,\"t\":-3}", new String(plain, StandardCharsets.UTF_8));
        assertEquals(-3, BenchPayload.sentAt(plain, plain.length));
        assertEquals(-1, BenchPayload.seq(other, other.length));
        assertEquals(BenchPayload.NO_TIME, BenchPayload.sentAt(other, other.length));
    }

    /** {@code body} cut into chunks of the given sizes, in turn, with an extension and a trailer. */
    private static byte[] chunked(byte[] body, int... sizes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        for (int i = 0; at < body.length; i++) {
            int size = Math.min(sizes[i % sizes.length], body.length - at);
            String head = Integer.toHexString(size) + (i == 1 ? ";name=value" : "") + "\r\n";
            out.writeBytes(bytes(i == 2 ? head.toUpperCase() : head));
            out.write(body, at, size);
            out.writeBytes(bytes("\r\n"));
            at += size;
        }
        out.writeBytes(bytes("0\r\nX-Trailer: t\r\n\r\n"));
        return out.toByteArray();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static final class Recorder implements SseListener {
        final SseParser parser = new SseParser(this);
        final List<String> events = new ArrayList<>();
        int comments;

        @Override
        public void onEvent(byte[] type, int typeLength, byte[] data, int dataLength) {
            String name = typeLength == 0 ? "message" : new String(type, 0, typeLength, StandardCharsets.UTF_8);
            events.add(name + "|" + new String(data, 0, dataLength, StandardCharsets.UTF_8) + "|" + parser.lastEventId());
        }

        @Override
        public void onComment() {
            comments++;
        }
    }
}
