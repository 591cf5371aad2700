package dev.herald.bench;

import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses one event stream incrementally, fed the body's bytes as they arrive, by the WHATWG EventSource rules:
 * lines end in LF, CRLF or CR (also when split across reads); {@code data} lines join with LF; a blank line
 * dispatches; a line starting with a colon is a comment. An {@code id} becomes the last event id only when its
 * event is dispatched, so a connection cut inside an event resumes before it, and the last id carries over to
 * the next connection as in browsers. Keeps only the unfinished line and event, so tens of thousands of
 * parsers stay cheap.
 */
final class SseParser {

    /** The longest line or event kept while unfinished: more means a broken stream, not a slow one. */
    static final int MAX_EVENT_BYTES = 2 * 1024 * 1024;
    /** Herald's ids have at most 64 characters, nchan's a few dozen; an id (or type) longer than this is refused. */
    static final int MAX_ID_BYTES = 1024;
    /** Buffers grown beyond this are dropped after use, so one big event does not keep memory on a connection. */
    private static final int RETAINED_BYTES = 4 * 1024;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final byte[] NONE = new byte[0];
    private static final byte[] LF = {'\n'};
    private static final byte[] DATA = ascii("data");
    private static final byte[] EVENT = ascii("event");
    private static final byte[] ID = ascii("id");
    private static final byte[] RETRY = ascii("retry");

    private final SseListener listener;
    private byte[] line = NONE;
    private int lineLength;
    private byte[] data = NONE;
    private int dataLength;
    private byte[] type = NONE;
    private int typeLength;
    /** The id buffer of the event being read. */
    private byte[] id = NONE;
    private int idLength;
    /** The id of the last dispatched event: what a reconnection sends. */
    private byte[] lastId = NONE;
    private int lastIdLength;
    private long retryMillis = -1;
    /** The previous read ended in CR, so an LF that starts this one belongs to the same line end. */
    private boolean afterCr;
    /** Bytes of a leading byte order mark matched so far; -1 once past the start of the stream. */
    private int bomMatched;

    SseParser(SseListener listener) {
        this.listener = listener;
    }

    void feed(byte[] bytes, int offset, int length) throws ProtocolException {
        int end = offset + length;
        int i = skipBom(bytes, offset, end);
        if (afterCr && i < end) {
            afterCr = false;
            if (bytes[i] == '\n') {
                i++;
            }
        }
        int start = i;
        while (i < end) {
            byte b = bytes[i];
            if (b != '\n' && b != '\r') {
                i++;
                continue;
            }
            endLine(bytes, start, i);
            i++;
            if (b == '\r') {
                if (i == end) {
                    afterCr = true;
                } else if (bytes[i] == '\n') {
                    i++;
                }
            }
            start = i;
        }
        if (start < end) {
            keep(bytes, start, end);
        }
    }

    /** Forgets the unfinished line and event of a connection that ended; the last event id stays, as in a browser. */
    void newConnection() {
        id = copy(id, lastId, 0, lastIdLength);
        idLength = lastIdLength;
        lineLength = 0;
        dataLength = 0;
        typeLength = 0;
        afterCr = false;
        bomMatched = 0;
        line = trimmed(line);
        data = trimmed(data);
    }

    /** The id to send as {@code Last-Event-ID}, or null when the stream never set one. */
    String lastEventId() {
        return lastIdLength == 0 ? null : new String(lastId, 0, lastIdLength, StandardCharsets.UTF_8);
    }

    /** The last {@code retry:} the stream sent, or -1. */
    long retryMillis() {
        return retryMillis;
    }

    private int skipBom(byte[] bytes, int i, int end) {
        while (bomMatched >= 0 && i < end) {
            if (bytes[i] != BOM[bomMatched]) {
                bomMatched = -1;
                break;
            }
            i++;
            if (++bomMatched == BOM.length) {
                bomMatched = -1;
            }
        }
        return i;
    }

    private void endLine(byte[] bytes, int start, int end) throws ProtocolException {
        if (lineLength == 0) {
            line(bytes, start, end);
            return;
        }
        keep(bytes, start, end);
        int length = lineLength;
        lineLength = 0;
        line(line, 0, length);
        line = trimmed(line);
    }

    private void keep(byte[] bytes, int start, int end) throws ProtocolException {
        line = append(line, lineLength, bytes, start, end);
        lineLength += end - start;
    }

    private void line(byte[] bytes, int start, int end) throws ProtocolException {
        if (start == end) {
            dispatch();
            return;
        }
        if (bytes[start] == ':') {
            listener.onComment();
            return;
        }
        int colon = start;
        while (colon < end && bytes[colon] != ':') {
            colon++;
        }
        int value = colon < end ? colon + 1 : end;
        if (value < end && bytes[value] == ' ') {
            value++;
        }
        if (named(bytes, start, colon, DATA)) {
            data = append(data, dataLength, bytes, value, end);
            dataLength += end - value;
            data = append(data, dataLength, LF, 0, 1);
            dataLength++;
        } else if (named(bytes, start, colon, EVENT)) {
            if (end - value > MAX_ID_BYTES) {
                throw new ProtocolException("an event type over " + MAX_ID_BYTES + " bytes");
            }
            type = copy(type, bytes, value, end);
            typeLength = end - value;
        } else if (named(bytes, start, colon, ID)) {
            if (end - value > MAX_ID_BYTES) {
                throw new ProtocolException("an event id over " + MAX_ID_BYTES + " bytes");
            }
            if (!containsNul(bytes, value, end)) {
                id = copy(id, bytes, value, end);
                idLength = end - value;
            }
        } else if (named(bytes, start, colon, RETRY)) {
            retry(bytes, value, end);
        }
    }

    private void dispatch() {
        lastId = copy(lastId, id, 0, idLength);
        lastIdLength = idLength;
        if (dataLength == 0) {
            typeLength = 0;
            return;
        }
        int length = dataLength - 1;
        int typeLen = typeLength;
        dataLength = 0;
        typeLength = 0;
        listener.onEvent(type, typeLen, data, length);
        data = trimmed(data);
    }

    private void retry(byte[] bytes, int start, int end) {
        if (end - start > 18) {
            return;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            if (bytes[i] < '0' || bytes[i] > '9') {
                return;
            }
            value = value * 10 + (bytes[i] - '0');
        }
        retryMillis = value;
    }

    private static boolean named(byte[] bytes, int start, int end, byte[] name) {
        return end - start == name.length && Arrays.equals(bytes, start, end, name, 0, name.length);
    }

    private static boolean containsNul(byte[] bytes, int start, int end) {
        for (int i = start; i < end; i++) {
            if (bytes[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static byte[] append(byte[] buffer, int length, byte[] bytes, int start, int end) throws ProtocolException {
        int needed = length + end - start;
        if (needed > MAX_EVENT_BYTES) {
            throw new ProtocolException("an event stream line or event over " + MAX_EVENT_BYTES + " bytes");
        }
        byte[] target = buffer;
        if (needed > buffer.length) {
            target = Arrays.copyOf(buffer, Math.min(MAX_EVENT_BYTES, Math.max(needed, Math.max(64, buffer.length * 2))));
        }
        System.arraycopy(bytes, start, target, length, end - start);
        return target;
    }

    /** {@code bytes[start..end)} in {@code buffer}, or in a new array when it does not fit. */
    private static byte[] copy(byte[] buffer, byte[] bytes, int start, int end) {
        byte[] target = buffer.length >= end - start ? buffer : new byte[Math.max(16, end - start)];
        System.arraycopy(bytes, start, target, 0, end - start);
        return target;
    }

    private static byte[] trimmed(byte[] buffer) {
        return buffer.length > RETAINED_BYTES ? NONE : buffer;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
