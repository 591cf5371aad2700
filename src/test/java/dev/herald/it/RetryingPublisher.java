package dev.herald.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The publishing example of docs/client.md ("Publishing from Java"), in plain {@code java.net.http}, run by
 * {@code LimitsIT} against a rate-limited Herald so that the example stays true. One {@code Idempotency-Key} for
 * every attempt at one event: a retry after a lost answer or a {@code 503} stores nothing twice.
 */
public final class RetryingPublisher {

    /** Herald's answer to a publish it took: {@code {"id": ...}} (or {@code {"ids": [...]}}), and whether it was a repeat. */
    public record Published(String body, int attempts, boolean replayed) {
    }

    /** A refusal that retrying cannot change (400, 401, 403, 413, 415, 422): the event or the token is wrong. */
    public static final class Refused extends IOException {
        public final int status;

        Refused(int status, String body) {
            super(status + " " + body);
            this.status = status;
        }
    }

    private static final Duration FIRST_WAIT = Duration.ofMillis(500);
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI events;
    private final Supplier<String> token;
    private final int maxAttempts;

    /**
     * @param events      e.g. {@code https://push.example.com/herald/api/events}
     * @param token       a publisher's JWT, asked for before every attempt (so a renewed one is used)
     * @param maxAttempts attempts at one event before giving up
     */
    public RetryingPublisher(URI events, Supplier<String> token, int maxAttempts) {
        this.events = events;
        this.token = token;
        this.maxAttempts = maxAttempts;
    }

    /** Publishes one event (or a batch: a JSON array) under a new key. */
    public Published publish(String json) throws IOException, InterruptedException {
        return publish(json, UUID.randomUUID().toString());
    }

    /** Publishes under {@code key}: the same key for the same event, however often, stores it once. */
    public Published publish(String json, String key) throws IOException, InterruptedException {
        Duration wait = FIRST_WAIT;
        for (int attempt = 1; ; attempt++) {
            HttpRequest request = HttpRequest.newBuilder(events)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token.get())
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build();
            Duration pause = wait;
            try {
                HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = answer.statusCode();
                if (status == 202) {
                    boolean replayed = answer.headers().firstValue("Idempotent-Replayed").isPresent();
                    return new Published(answer.body(), attempt, replayed);
                }
                if (status != 429 && status < 500) {
                    throw new Refused(status, answer.body());
                }
                // 429 rate_limited, 503 backbone_unavailable or shutting_down: Retry-After says when it may pass
                long after = answer.headers().firstValue("Retry-After").map(RetryingPublisher::seconds).orElse(0L);
                pause = max(wait, Duration.ofSeconds(after));
                if (attempt == maxAttempts) {
                    throw new IOException("gave up after " + attempt + " attempts: " + status + " " + answer.body());
                }
            } catch (Refused refused) {
                throw refused;
            } catch (IOException lost) { // no answer: the event may or may not be stored, the key tells Herald
                if (attempt == maxAttempts) {
                    throw lost;
                }
            }
            long jitter = ThreadLocalRandom.current().nextLong(pause.toMillis() / 2 + 1); // publishers spread out
            Thread.sleep(pause.toMillis() + jitter);
            Duration doubled = wait.multipliedBy(2);
            wait = doubled.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : doubled;
        }
    }

    private static long seconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim());
        } catch (NumberFormatException dateOrJunk) {
            return 0;
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
