package dev.herald.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Raw bytes to the server, for requests no HTTP client would send; the answer's status, or 400 for a hang-up. */
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
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            String status = line.toString(StandardCharsets.ISO_8859_1);
            if (status.isEmpty()) {
                return 400;
            }
            return Integer.parseInt(status.split(" ")[1]);
        } catch (IOException e) {
            // the server hung up on bytes it would not parse: a refusal too
            return 400;
        }
    }
}
