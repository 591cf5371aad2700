package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Herald's HTTP API as a test calls it, against one deployed WAR; every answer is held to its description. */
final class Api {

    /** A header name that only tells {@link #post} to send no token; never sent. */
    static final String NO_TOKEN = "x-test-no-token";
    private static final Pattern ID = Pattern.compile("\\{\"id\":\"([A-Za-z0-9._-]+)\"}");

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ExecutorService readers;

    Api(URL deployment, ExecutorService readers) {
        this.base = URI.create(deployment.toExternalForm().replaceAll("/?$", "/"));
        this.readers = readers;
    }

    /** {@code path} relative to the WAR's root, e.g. {@code api/events?topic=a}. */
    URI uri(String path) {
        return base.resolve(path);
    }

    /** GETs {@code path} with a token that grants everything, as a trusted client would. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, Map.of("Authorization", "Bearer " + Tokens.all()));
    }

    HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(request::header);
        return ApiDescription.checked(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return post(path, contentType, body, Map.of());
    }

    HttpResponse<String> post(String path, String contentType, byte[] body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (!headers.containsKey("Authorization") && !headers.containsKey(NO_TOKEN)) {
            // the test servers are not herald.open: every publish that is not about access carries a token
            request.header("Authorization", "Bearer " + Tokens.publisher());
        }
        headers.forEach((name, value) -> {
            if (!name.equals(NO_TOKEN)) {
                request.header(name, value);
            }
        });
        return ApiDescription.checked(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** DELETEs {@code path}, with {@code token} as a bearer unless it is null. */
    HttpResponse<String> delete(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).DELETE();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return ApiDescription.checked(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** Publishes {@code json} with an {@code Idempotency-Key}; the response as it came. */
    HttpResponse<String> publishOnce(String json, String idempotencyKey) throws IOException, InterruptedException {
        return post("api/events", "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.of("Idempotency-Key", idempotencyKey));
    }

    /** Publishes {@code json} and returns the id Herald assigned. */
    String publish(String json) throws IOException, InterruptedException {
        HttpResponse<String> response = post("api/events", "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(202, response.statusCode(), response.body());
        Matcher matcher = ID.matcher(response.body());
        if (!matcher.matches()) {
            throw new AssertionError("no id in " + response.body());
        }
        return matcher.group(1);
    }

    String publish(String topic, String data) throws IOException, InterruptedException {
        return publish(topic == null ? "{\"data\":" + data + "}" : "{\"topic\":\"" + topic + "\",\"data\":" + data + "}");
    }

    /**
     * Publishes {@code count} small events to {@code topic} from {@code threads} threads, each with a token of its
     * own subject, so the publish rate limit (per subject) allows them; a 429 is waited out and retried, at most
     * {@code count} times in all.
     */
    void publishMany(String topic, int count, int threads) throws InterruptedException {
        ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();
        try {
            java.util.List<java.util.concurrent.Future<Integer>> sent = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String token = Tokens.signed(Tokens.SECRET, java.util.List.of("*"), java.util.List.of(), "bulk-" + t,
                        java.time.Instant.now().plus(Duration.ofHours(1)), null);
                int share = count / threads + (t < count % threads ? 1 : 0);
                sent.add(pool.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        HttpResponse<String> response = post("api/events", "application/json",
                                ("{\"topic\":\"" + topic + "\",\"data\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                Map.of("Authorization", "Bearer " + token));
                        if (response.statusCode() == 429 && retries.incrementAndGet() <= count) {
                            Thread.sleep(50);
                            i--;
                            continue;
                        }
                        assertEquals(202, response.statusCode(), response.body());
                    }
                    return share;
                }));
            }
            int published = 0;
            for (java.util.concurrent.Future<Integer> share : sent) {
                published += share.get();
            }
            assertEquals(count, published);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("a bulk publish failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    SseStream stream(String query) throws IOException {
        return stream(query, Map.of());
    }

    /** A stream whose client stops reading after the response headers; see {@link SseStream#openStalled}. */
    SseStream stalledStream(String query) throws IOException {
        return SseStream.openStalled(uri("api/events?" + query), readers);
    }

    /** A stream with a token that grants every topic, unless {@code headers} bring their own or {@link #NO_TOKEN}. */
    SseStream stream(String query, Map<String, String> headers) throws IOException {
        Map<String, String> sent = new java.util.LinkedHashMap<>(headers);
        if (sent.remove(NO_TOKEN) == null && !sent.containsKey("Authorization")) {
            sent.put("Authorization", "Bearer " + Tokens.all());
        }
        return SseStream.open(uri("api/events" + (query.isEmpty() ? "" : "?" + query)), sent, readers);
    }
}
