package dev.herald.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answers, blocking, used by one publisher
 * thread at a time. Far cheaper per request than the JDK's HTTP client, which matters when the tool shares the
 * machine's CPUs with the server it measures.
 */
final class PublishConnection implements AutoCloseable {

    /** A publish not answered in this long counts as failed. */
    static final int TIMEOUT_MILLIS = 30_000;
    /** Status and header lines of an answer; more is not a server we benchmark. */
    private static final int MAX_LINE_BYTES = 8 * 1024;
    private static final int MAX_HEADER_LINES = 100;

    private final InetSocketAddress address;
    private final byte[] head;
    /** Volatile so that {@link #abort()} from another thread sees the socket in use. */
    private volatile Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Whether the open connection has already carried a request, so the server may have closed it as idle. */
    private boolean reused;
    /** Whether the current answer's status line has arrived: past that, a failed request is not repeated. */
    private boolean answering;

    PublishConnection(InetSocketAddress address, String host, String path, String token) {
        this.address = address;
        String authorization = token == null ? "" : "Authorization: Bearer " + token + "\r\n";
        this.head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + authorization).getBytes(StandardCharsets.US_ASCII);
    }

    /** POSTs {@code body} and returns the answer's status; the connection stays open unless the server ends it. */
    int post(byte[] body) throws IOException {
        return post(body, null);
    }

    /** As {@link #post(byte[])}, with an {@code Idempotency-Key} header unless {@code idempotencyKey} is null. */
    int post(byte[] body, String idempotencyKey) throws IOException {
        boolean retry = reused;
        try {
            return exchange(body, idempotencyKey);
        } catch (EOFException | SocketException e) {
            // a kept-alive connection the server closed while idle fails before any answer: open a new one, once
            if (!retry || answering) {
                throw e;
            }
            return exchange(body, idempotencyKey);
        }
    }

    /** Called from another thread: fails the request in progress, if any, by closing its socket under it. */
    void abort() {
        Socket current = socket;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // closing is all that is wanted; the blocked thread sees its own error
            }
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // the connection is being dropped; nothing was waiting on it
            }
        }
        socket = null;
        reused = false;
    }

    private int exchange(byte[] body, String idempotencyKey) throws IOException {
        if (socket == null) {
            open();
        }
        answering = false;
        try {
            out.write(head);
            String key = idempotencyKey == null ? "" : "Idempotency-Key: " + idempotencyKey + "\r\n";
            out.write((key + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            int status = readAnswer();
            reused = socket != null;
            return status;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void open() throws IOException {
        Socket opened = new Socket();
        try {
            opened.setTcpNoDelay(true);
            opened.setSoTimeout(TIMEOUT_MILLIS);
            opened.connect(address, TIMEOUT_MILLIS);
            in = new BufferedInputStream(opened.getInputStream(), 8 * 1024);
            out = opened.getOutputStream();
        } catch (IOException e) {
            opened.close();
            throw e;
        }
        socket = opened;
        reused = false;
    }

    private int readAnswer() throws IOException {
        while (true) {
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new ProtocolException("not an HTTP/1.x answer");
            }
            answering = true;
            int status;
            try {
                status = Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new ProtocolException("an HTTP status that is not a number");
            }
            long length = -1;
            boolean chunked = false;
            boolean close = statusLine.startsWith("HTTP/1.0");
            int lines = 0;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (++lines > MAX_HEADER_LINES) {
                    throw new ProtocolException("an answer with over " + MAX_HEADER_LINES + " header lines");
                }
                int colon = header.indexOf(':');
                String name = colon < 0 ? header : header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = contentLength(value);
                    case "transfer-encoding" -> chunked = value.endsWith("chunked");
                    case "connection" -> close = value.contains("close") || close && !value.contains("keep-alive");
                    default -> {
                    }
                }
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            if (chunked) {
                skipChunks();
            } else if (length >= 0) {
                skip(length);
            } else {
                // neither length nor chunks: the body runs to the end of the connection
                in.transferTo(OutputStream.nullOutputStream());
                close = true;
            }
            if (close) {
                close();
            }
            return status;
        }
    }

    private static long contentLength(String value) throws ProtocolException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ProtocolException("a Content-Length that is not a number");
        }
    }

    private void skipChunks() throws IOException {
        for (long size = chunkSize(); size > 0; size = chunkSize()) {
            skip(size);
            line();
        }
        for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
            // trailers carry nothing a publisher needs
        }
    }

    private long chunkSize() throws IOException {
        String line = line();
        int end = line.indexOf(';');
        try {
            return Long.parseLong((end < 0 ? line : line.substring(0, end)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new ProtocolException("a chunk size that is not hexadecimal");
        }
    }

    private void skip(long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("the answer ended early");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection ended before the answer");
            }
            if (line.length() >= MAX_LINE_BYTES) {
                throw new ProtocolException("an answer line over " + MAX_LINE_BYTES + " bytes");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
