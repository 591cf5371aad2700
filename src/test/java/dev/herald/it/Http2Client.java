package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Event streams of one deployed WAR over HTTPS with HTTP/2, as the JDK's HttpClient opens them: it keeps one
 * connection per origin and multiplexes every request on it once that connection is up (so the first stream is
 * opened alone, see {@link #open}). It trusts any certificate: the test servers' keys are self-signed, and it
 * only ever talks to 127.0.0.1.
 */
final class Http2Client {

    static final int HTTPS_PORT = Integer.getInteger("it.https.port", 18443);

    private final URI base;
    private final HttpClient http;

    /** For the WAR {@code deployment} (its HTTP URL, as Arquillian gives it) on the HTTPS port. */
    Http2Client(URL deployment) {
        this.base = httpsBase(deployment);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trustingAnyKey())
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The WAR's root over HTTPS on the loopback HTTPS port, ending in a slash. */
    static URI httpsBase(URL deployment) {
        return URI.create("https://127.0.0.1:" + HTTPS_PORT + deployment.getPath().replaceAll("/?$", "/"));
    }

    /**
     * Opens {@code api/events?query} with a token that grants everything, and returns once its response headers are
     * there (an answer other than 200 over HTTP/2 fails the test): a stream opened after that shares the connection.
     */
    Http2EventStream open(String query, Map<String, String> headers, boolean stalled) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("api/events?" + query))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + Tokens.all());
        headers.forEach(request::setHeader);
        HttpRequest built = request.GET().build();
        Http2EventStream stream = new Http2EventStream(built.uri(), stalled);
        HttpResponse<Http2EventStream> response = http.sendAsync(built, info -> stream).get(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        ApiDescription.get().check("GET", built.uri(), 200, response.headers().map(), null);
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        return stream;
    }

    /**
     * The TCP connections to {@code port} on this machine's loopback that are established, each named by its
     * client's end (address and port, as the kernel's tables write them), read on the server's side (the local port
     * of the socket). The test and the server share a network namespace; a test compares the set before and after
     * it connects, so that a connection an earlier test left to time out is not counted.
     */
    static Set<String> connectionsTo(int port) throws IOException {
        String local = String.format(Locale.ROOT, ":%04X", port);
        Set<String> clients = new HashSet<>();
        for (Path table : List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"))) {
            if (!Files.exists(table)) {
                continue;
            }
            for (String row : Files.readAllLines(table)) {
                String[] fields = row.trim().split("\\s+");
                // fields: sl, local_address, rem_address, st (01 = ESTABLISHED), ...
                if (fields.length > 3 && fields[1].endsWith(local) && fields[3].equals("01")) {
                    clients.add(fields[2]);
                }
            }
        }
        return clients;
    }

    /** The connections to the HTTPS port established now that were not in {@code before}. */
    static Set<String> newConnectionsSince(Set<String> before) throws IOException {
        Set<String> now = connectionsTo(HTTPS_PORT);
        now.removeAll(before);
        return now;
    }

    private static SSLContext trustingAnyKey() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] { new TrustingAnyKey() }, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Extended, so that JSSE does not wrap it in a host name check that a self-signed test key would fail. */
    private static final class TrustingAnyKey extends X509ExtendedTrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
