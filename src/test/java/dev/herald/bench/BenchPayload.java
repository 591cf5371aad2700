package dev.herald.bench;

import java.nio.charset.StandardCharsets;

/**
 * The data of a bench event, {@code {"seq":N,"t":T}} with T the sender's {@link System#nanoTime()}, optionally
 * padded to a size; and the cheap scan that reads N and T back from a received event without a JSON library.
 */
final class BenchPayload {

    /** What {@link #sentAt} returns for data that is not a bench event's. */
    static final long NO_TIME = Long.MIN_VALUE;
    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] T = "\"t\":".getBytes(StandardCharsets.US_ASCII);
    private static final String PAD_FIELD = ",\"pad\":\"\"";

    private BenchPayload() {
    }

    /** The payload of event {@code seq}, padded with {@code "pad":"xxx"} to {@code bytes} when that is larger. */
    static String format(int seq, long sentAt, int bytes) {
        String plain = "{\"seq\":" + seq + ",\"t\":" + sentAt + "}";
        int pad = bytes - plain.length() - PAD_FIELD.length();
        if (pad <= 0) {
            return plain;
        }
        return plain.substring(0, plain.length() - 1) + ",\"pad\":\"" + "x".repeat(pad) + "\"}";
    }

    /** The {@code seq} in {@code data}, or -1 when there is none. */
    static long seq(byte[] data, int length) {
        int at = find(data, length, SEQ);
        if (at < 0 || at >= length || data[at] < '0' || data[at] > '9') {
            return -1;
        }
        long value = 0;
        for (int i = at; i < length && i < at + 10 && data[i] >= '0' && data[i] <= '9'; i++) {
            value = value * 10 + (data[i] - '0');
        }
        return value;
    }

    /** The {@code t} in {@code data}, or {@link #NO_TIME} when there is none. */
    static long sentAt(byte[] data, int length) {
        int at = find(data, length, T);
        if (at < 0 || at >= length) {
            return NO_TIME;
        }
        boolean negative = data[at] == '-';
        int i = negative ? at + 1 : at;
        if (i >= length || data[i] < '0' || data[i] > '9') {
            return NO_TIME;
        }
        long value = 0;
        for (int end = Math.min(length, i + 18); i < end && data[i] >= '0' && data[i] <= '9'; i++) {
            value = value * 10 + (data[i] - '0');
        }
        return negative ? -value : value;
    }

    /** Index just past the first {@code key} in {@code data}, or -1. */
    private static int find(byte[] data, int length, byte[] key) {
        outer:
        for (int i = 0; i + key.length <= length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (data[i + k] != key[k]) {
                    continue outer;
                }
            }
            return i + key.length;
        }
        return -1;
    }
}
