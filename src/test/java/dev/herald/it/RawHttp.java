package dev.herald.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Raw bytes to Herald, for requests no HTTP client would send; the answer's status, or 400 for a hang-up. An answer
 * is held to the API's description like any other ({@link ApiDescription}); most of these requests are refused by
 * the container's HTTP parser before Herald sees them, and those answers are exempt there.
 */
final class RawHttp {

    private RawHttp() {
    }

    static int status(URI base, byte[] request) {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            socket.shutdownOutput();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String status = line(in);
            if (status.isEmpty()) {
                return 400;
            }
            int code = Integer.parseInt(status.split(" ")[1]);
            check(base, request, code, in);
            return code;
        } catch (IOException e) {
            // the server hung up on bytes it would not parse: a refusal too
            return 400;
        }
    }

    /** Reads the rest of the answer and holds it to the description, unless the request line cannot name a path. */
    private static void check(URI base, byte[] request, int status, InputStream in) throws IOException {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.put(header.substring(0, colon).trim(), List.of(header.substring(colon + 1).trim()));
            }
        }
        String body = new String(body(in, headers), StandardCharsets.UTF_8);
        String[] requestLine = new String(request, StandardCharsets.ISO_8859_1).split("\r?\n", 2)[0].split(" ");
        URI target;
        try {
            // the path is enough to find the operation; a query no URI parser takes (a lone %) is Herald's to refuse
            target = requestLine.length == 3 ? base.resolve(requestLine[1].split("\\?", 2)[0]) : null;
        } catch (IllegalArgumentException e) {
            // no URI: only the container could have answered it
            target = null;
        }
        if (target != null) {
            ApiDescription.get().check(requestLine[0], target, status, headers, body);
        } else if (!ApiDescription.containerAnswer(status, headers.getOrDefault("Content-Type", List.of("")).get(0))) {
            throw new AssertionError("an answer to a request without a valid target that is not the container's: "
                    + status + " " + headers + " " + body);
        }
    }

    private static byte[] body(InputStream in, Map<String, List<String>> headers) throws IOException {
        List<String> length = headers.get("Content-Length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length.get(0)));
        }
        List<String> encoding = headers.get("Transfer-Encoding");
        if (encoding == null || !encoding.get(0).equalsIgnoreCase("chunked")) {
            return in.readAllBytes();
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
            body.write(in.readNBytes(size));
            line(in);
        }
        return body.toByteArray();
    }

    private static int chunkSize(String line) {
        int semicolon = line.indexOf(';');
        return Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
