package dev.herald.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Redis's {@code used_memory} (from {@code INFO memory}), asked over one plain socket: the probes need no client. */
final class RedisMemory {

    private RedisMemory() {
    }

    /** {@code used_memory} of the redis-server on 127.0.0.1:{@code port}; at most 5 s per step. */
    static long used(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(5000);
            OutputStream o = socket.getOutputStream();
            o.write("*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            StringBuilder text = new StringBuilder();
            // the answer is a few KB; read until the line wanted has ended, or 64 KB
            while (!hasLine(text, "used_memory:") && text.length() < 64 * 1024) {
                int read = in.read(buffer);
                if (read < 0) {
                    break;
                }
                text.append(new String(buffer, 0, read, StandardCharsets.US_ASCII));
            }
            int at = text.indexOf("used_memory:");
            if (at < 0) {
                throw new IOException("no used_memory in Redis's INFO: " + text);
            }
            return Long.parseLong(text.substring(at + "used_memory:".length(), text.indexOf("\r\n", at)).trim());
        }
    }

    private static boolean hasLine(StringBuilder text, String start) {
        int at = text.indexOf(start);
        return at >= 0 && text.indexOf("\r\n", at) > 0;
    }
}
