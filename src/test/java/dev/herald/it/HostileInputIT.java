package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * More than a thousand malformed requests, generated from a fixed seed: bodies, headers, query strings and
 * tokens. Every one must be refused with a 4xx (never a 5xx, never a 2xx), none may publish anything (the ids
 * before and after are consecutive), and a normal client is served afterwards. Tokens of an identity
 * provider: {@link HostileTokensIT}.
 */
class HostileInputIT extends DeployedWar {

    private static final int PER_KIND = 130;
    private static final String[] BAD_NAMES = {"a\rb", "a\nb", "a\u0000b", "a b", "a:b\n", "x".repeat(129), "",
        "caf\u00e9", "a\"b", "a\\b", "$presence", "$admin", "a\tb", "<script>", "a\u2028b"};

    private final Random random = new Random(20261123);
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    /** One generated request: what to send, and what it is, for the failure message. */
    private record Attempt(String what, Supplier<Integer> send) {
    }

    @Test
    void everyMalformedRequestGetsA4xxAndNothingIsPublished() throws Exception {
        String before = api.publish(null, "\"before\"");
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < PER_KIND; i++) {
            attempts.add(badBody());
            attempts.add(badField());
            attempts.add(badContentType());
            attempts.add(badStreamQuery());
            attempts.add(badToken());
            attempts.add(badIdempotencyKey());
            attempts.add(badLastEventId());
            attempts.add(rawGarbage());
        }
        assertTrue(attempts.size() >= 1000, "only " + attempts.size());

        List<String> wrong = new ArrayList<>();
        for (Attempt attempt : attempts) {
            int status = attempt.send().get();
            if (status < 400 || status > 499) {
                wrong.add(status + " for " + attempt.what());
            }
        }

        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())), wrong.size() + " not refused with a 4xx");
        String after = api.publish(null, "\"after\"");
        assertEquals(sequence(before) + 1, sequence(after), "a malformed request published something");
        try (SseStream stream = api.stream("topic=calm")) {
            stream.ready();
            String id = api.publish("calm", "\"still serving\"");
            assertEquals(id, stream.next().id());
        }
    }


    private Attempt badBody() {
        byte[] body = switch (random.nextInt(8)) {
            case 0 -> randomBytes(1 + random.nextInt(200));
            case 1 -> new byte[] {'{', '"', 'd', 'a', 't', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            case 2 -> "{\"data\":".getBytes(StandardCharsets.UTF_8);
            case 3 -> ("[".repeat(2000) + "]".repeat(2000)).getBytes(StandardCharsets.UTF_8);
            case 4 -> "{\"data\":1,\"data\":2}".getBytes(StandardCharsets.UTF_8);
            case 5 -> "{\"data\":1} trailing".getBytes(StandardCharsets.UTF_8);
            case 6 -> new byte[0];
            default -> ("{\"data\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        };
        return post("body " + describe(body), "application/json", body, Map.of());
    }

    private Attempt badField() {
        String name = BAD_NAMES[random.nextInt(BAD_NAMES.length)];
        String json = jsonString(name);
        String body = switch (random.nextInt(7)) {
            case 0 -> "{\"topic\":" + json + ",\"data\":1}";
            case 1 -> "{\"type\":" + json + ",\"data\":1}";
            case 2 -> "{\"data\":1,\"retry\":" + (random.nextBoolean() ? random.nextInt(1000) - 500 : 600_001 + random.nextInt(1000)) + "}";
            case 3 -> "{\"data\":1,\"retry\":\"5000\"}";
            case 4 -> "{\"data\":1," + json + ":2}";
            case 5 -> "{\"topic\":" + random.nextInt() + ",\"data\":1}";
            default -> "{\"type\":\"welcome\",\"data\":1}";
        };
        return post("field " + body, "application/json", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static String manyTopics(int count) {
        StringBuilder query = new StringBuilder("topic=t0");
        for (int i = 1; i < count; i++) {
            query.append("&topic=t").append(i);
        }
        return query.toString();
    }

    /** A bad name that is not empty: an empty parameter counts as absent, which would open a stream. */
    private String nonEmptyBadName() {
        String name;
        do {
            name = BAD_NAMES[random.nextInt(BAD_NAMES.length)];
        } while (name.isEmpty() || name.equals("$presence"));
        return name;
    }

    private Attempt badContentType() {
        String[] types = {"text/plain", "application/x-www-form-urlencoded", "application/json;charset=ISO-8859-1",
            "multipart/form-data; boundary=x", "application/xml", "application/jsonx"};
        String type = types[random.nextInt(types.length)];
        return post("content type " + type, type, "{\"data\":1}".getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private Attempt badStreamQuery() {
        String query = switch (random.nextInt(6)) {
            case 0 -> "topic=" + URLEncoder.encode(nonEmptyBadName(), StandardCharsets.UTF_8);
            case 1 -> "envelope=" + URLEncoder.encode(nonEmptyBadName(), StandardCharsets.UTF_8);
            case 2 -> "lastEventId=" + URLEncoder.encode("1\nevent: x" + random.nextInt(), StandardCharsets.UTF_8);
            case 3 -> manyTopics(65 + random.nextInt(10));
            case 4 -> "topic=ok&topic=" + URLEncoder.encode("a\u0000", StandardCharsets.UTF_8);
            default -> "lastEventId=" + "y".repeat(65 + random.nextInt(100));
        };
        // the topic `ok` alone would open a stream: every query above has a bad part
        return new Attempt("stream ?" + query, () -> get("api/events?" + query, Map.of()));
    }

    private Attempt badToken() {
        String token = switch (random.nextInt(5)) {
            case 0 -> new String(randomBytes(40), StandardCharsets.ISO_8859_1).replaceAll("[^A-Za-z0-9.]", "a");
            case 1 -> Tokens.signed("the-wrong-secret-the-wrong-secret-x", List.of("*"), List.of(), null, null, null);
            case 2 -> Tokens.signed(Tokens.SECRET, List.of("*"), List.of(), null, Instant.now().minusSeconds(120), null);
            case 3 -> "eyJhbGciOiJub25lIn0.eyJoZXJhbGQiOnsicHVibGlzaCI6WyIqIl19fQ.";
            default -> Tokens.signed(Tokens.SECRET, List.of("elsewhere"), List.of(), null, null, null);
        };
        boolean stream = random.nextBoolean();
        if (stream) {
            return new Attempt("stream token " + token, () -> get("api/events?topic=user/x",
                    Map.of("Authorization", "Bearer " + token)));
        }
        return post("publish token " + token, "application/json", "{\"topic\":\"t\",\"data\":1}".getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Bearer " + token));
    }

    private Attempt badIdempotencyKey() {
        String key = switch (random.nextInt(3)) {
            case 0 -> "k".repeat(129 + random.nextInt(50));
            case 1 -> "has space " + random.nextInt();
            default -> "";
        };
        return post("idempotency key '" + key + "'", "application/json", "{\"data\":1}".getBytes(StandardCharsets.UTF_8),
                Map.of("Idempotency-Key", key));
    }

    private Attempt badLastEventId() {
        String id = switch (random.nextInt(3)) {
            case 0 -> "z".repeat(65 + random.nextInt(30));
            case 1 -> "abc def";
            default -> "id;" + random.nextInt();
        };
        return new Attempt("Last-Event-ID '" + id + "'",
                () -> get("api/events?topic=t", Map.of("Last-Event-ID", id)));
    }

    /** Bytes no HTTP client would send: CR, LF or NUL inside header values, broken request lines. */
    private Attempt rawGarbage() {
        String path = URI.create(api.uri("api/events").toString()).getRawPath();
        String request = switch (random.nextInt(6)) {
            case 0 -> "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: a\u0000b\r\n"
                    + "Content-Length: 10\r\n\r\n{\"data\":1}";
            case 1 -> "GET " + path + "?topic=a%0d%0aevent:%20x HTTP/1.1\r\nHost: x\r\n\r\n";
            case 2 -> "GET " + path + " HTTP/1.1\r\nHost: x\r\nLast-Event-ID: a\rb\r\n\r\n";
            case 3 -> "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{";
            case 4 -> "POST " + path + "?access_token=%" + "%".repeat(random.nextInt(2)) + " HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"data\":1}";
            default -> "GET " + path + "?topic=" + "%".repeat(1 + random.nextInt(3)) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        };
        return new Attempt("raw " + request.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"),
                () -> RawHttp.status(api.uri(""), request.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** The status of a GET, without waiting for a body: a stream that wrongly opened would never end. */
    private int get(String path, Map<String, String> headers) {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(api.uri(path))
                .timeout(java.time.Duration.ofSeconds(10)).GET();
        headers.forEach(request::header);
        try {
            return ApiDescription.checkedStatus(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new AssertionError(path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Attempt post(String what, String contentType, byte[] body, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        return new Attempt(what, () -> status(() -> api.post("api/events", contentType, body, all)));
    }

    /** Sends raw bytes and reads the status line; a closed connection without an answer counts as a 400. */
    private interface Call {
        HttpResponse<String> send() throws Exception;
    }

    private static int status(Call call) {
        try {
            return call.send().statusCode();
        } catch (Exception e) {
            throw new AssertionError("the request failed: " + e, e);
        }
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == '"' || c == '\\') {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }

    private static String describe(byte[] body) {
        String text = new String(body, 0, Math.min(60, body.length), StandardCharsets.ISO_8859_1);
        return body.length + " bytes: " + text.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static long sequence(String id) {
        return Long.parseLong(id.substring(id.indexOf('-') + 1));
    }
}
