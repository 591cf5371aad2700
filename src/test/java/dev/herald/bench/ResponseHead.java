package dev.herald.bench;

import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The status and the few headers of a response that decide whether it is a stream and how its body is framed. */
record ResponseHead(int status, String contentType, boolean chunked, long contentLength) {

    /** Where the head ends, just past its blank line, in {@code bytes[0..length)}; -1 while it is incomplete. */
    static int end(byte[] bytes, int from, int length) {
        for (int i = Math.max(0, from); i < length - 1; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (bytes[i + 1] == '\n') {
                return i + 2;
            }
            if (bytes[i + 1] == '\r' && i + 2 < length && bytes[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    static ResponseHead parse(byte[] bytes, int end) throws ProtocolException {
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r?\n");
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new ProtocolException("not an HTTP/1.x response");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new ProtocolException("an HTTP status that is not a number");
        }
        String contentType = null;
        boolean chunked = false;
        long contentLength = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "content-type" -> contentType = value;
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                case "content-length" -> contentLength = contentLength(value);
                default -> {
                }
            }
        }
        return new ResponseHead(status, contentType, chunked, chunked ? -1 : contentLength);
    }

    boolean isEventStream() {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    private static long contentLength(String value) throws ProtocolException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ProtocolException("a Content-Length that is not a number");
        }
    }
}
