package dev.herald.auth.hook;

import java.io.IOException;
import java.io.InputStream;
import java.net.CookieHandler;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One call to the hook: {@code GET <url>?topic=...} with the stream's {@code Cookie} header and nothing else of its
 * request, following no redirect, reading at most {@link #MAX_BODY_BYTES}. Blocking, on a thread of
 * {@link AuthorizationHook}'s own.
 *
 * <p>{@link HttpURLConnection} rather than {@code java.net.http.HttpClient}: on Java 17 an HttpClient cannot be
 * closed and its selector thread outlives the WAR, which Tomcat reports as a leak at every undeploy.
 */
final class HookClient {

    /** An answer is three fields and a handful of patterns; a hook sending more has gone wrong. */
    static final int MAX_BODY_BYTES = 16 * 1024;

    private final String url;
    private final int timeoutMs;
    private final Clock clock;

    HookClient(String url, int timeoutMs, Clock clock) {
        this.url = url;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
    }

    /**
     * Asks about {@code cookie}; {@code opened} receives the connection before it connects, so that a watchdog can
     * cut it at the deadline. Never throws: a failure is an {@code UNAVAILABLE} answer saying why.
     */
    HookAnswer ask(String cookie, List<String> topics, Consumer<HttpURLConnection> opened) {
        if (CookieHandler.getDefault() != null) {
            // HttpURLConnection would add the cookies such a handler stored (a session the hook set for one user)
            // to every user's call, and keep what the hook sets: one user's stream could carry another's session
            return HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "a JVM-wide java.net.CookieHandler is installed "
                    + "(CookieHandler.setDefault), which would mix users' cookies; Herald will not call the hook");
        }
        HttpURLConnection connection = null;
        boolean reusable = false;
        try {
            connection = (HttpURLConnection) URI.create(requestUrl(topics)).toURL().openConnection();
            connection.setConnectTimeout(timeoutMs);
            connection.setReadTimeout(timeoutMs);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestProperty("Accept", "application/json");
            connection.setRequestProperty("User-Agent", "Herald");
            connection.setRequestProperty("Cookie", cookie);
            opened.accept(connection);
            int status = connection.getResponseCode();
            if (status != 200) {
                String location = connection.getHeaderField("Location");
                return status / 100 == 3
                        ? HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "it answered " + status + " (a redirect"
                                + (location == null ? "" : " to " + location) + ", which Herald never follows)")
                        : HookReply.read(status, new byte[0], clock.instant());
            }
            byte[] body = bounded(connection.getInputStream());
            if (body.length > MAX_BODY_BYTES) {
                return HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "its answer is over " + MAX_BODY_BYTES + " bytes");
            }
            reusable = true;
            return HookReply.read(status, body, clock.instant());
        } catch (IOException | RuntimeException e) {
            return HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "no answer: " + e);
        } finally {
            if (connection != null && !reusable) {
                // a connection with unread bytes or an error cannot serve the next call: close it
                connection.disconnect();
            }
        }
    }

    /** The hook URL with a {@code topic} parameter per topic, after the URL's own query if it has one. */
    String requestUrl(List<String> topics) {
        String query = topics.stream().map(topic -> "topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        if (query.isEmpty()) {
            return url;
        }
        return url + (url.indexOf('?') < 0 ? "?" : url.endsWith("?") || url.endsWith("&") ? "" : "&") + query;
    }

    /**
     * At most one byte more than {@link #MAX_BODY_BYTES}, so that a longer body is told apart without reading it.
     * Closed only when read whole, so the connection serves the next call; a longer one is cut by the caller
     * (closing it would first drain the rest).
     */
    private static byte[] bounded(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length <= MAX_BODY_BYTES) {
            in.close();
        }
        return body;
    }
}
