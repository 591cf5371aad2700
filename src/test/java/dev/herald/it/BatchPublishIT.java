package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batch publish ({@code POST /api/events} with a JSON array) on one node: all or nothing, in order under
 * consecutive ids, one {@code Idempotency-Key} for the whole batch, hostile arrays refused with nothing published.
 * The static checks run on the Redis cluster too ({@code ClusterIT}), publishing through one node and subscribing
 * on the other.
 */
class BatchPublishIT extends DeployedWar {

    private static final Pattern IDS = Pattern.compile("\\{\"ids\":\\[(\"[A-Za-z0-9._-]+\"(,\"[A-Za-z0-9._-]+\")*)]}");
    private static final Pattern RUN_ID = Pattern.compile("[a-z][a-z0-9]{7}-([0-9]+)");

    /** A token of a subject of its own, so that one check's events do not spend another's publish rate. */
    static Map<String, String> ownPublisher() {
        return Map.of("Authorization", "Bearer " + Tokens.signed(Tokens.SECRET, List.of("*"), List.of(),
                "batch-" + UUID.randomUUID(), Instant.now().plus(Duration.ofHours(1)), null));
    }

    static HttpResponse<String> post(Api api, String body, Map<String, String> headers) throws Exception {
        return api.post("api/events", "application/json", body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** A JSON array of events of {@code topic} whose data are {@code "<prefix>0"}, {@code "<prefix>1"}... */
    static String batch(String topic, String prefix, int size) {
        return IntStream.range(0, size).mapToObj(i -> "{\"topic\":\"" + topic + "\",\"data\":\"" + prefix + i + "\"}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    /** The ids of a {@code 202 {"ids":[...]}}. */
    static List<String> ids(HttpResponse<String> response) {
        assertEquals(202, response.statusCode(), response.body());
        Matcher matcher = IDS.matcher(response.body());
        assertTrue(matcher.matches(), response.body());
        return List.of(matcher.group(1).replace("\"", "").split(","));
    }

    /** Publishes one event and returns its id. */
    static String marker(Api api, String topic, String data) throws Exception {
        HttpResponse<String> response = post(api, "{\"topic\":\"" + topic + "\",\"data\":\"" + data + "\"}",
                ownPublisher());
        assertEquals(202, response.statusCode(), response.body());
        return response.body().replaceAll("^\\{\"id\":\"|\"}$", "");
    }

    /**
     * The batch's ids follow each other in what a subscriber received; on one node ({@code run-seq}), their
     * sequence numbers are consecutive too.
     */
    static void assertConsecutive(List<String> ids, List<String> delivered) {
        int first = delivered.indexOf(ids.get(0));
        assertTrue(first >= 0, ids.get(0) + " not delivered");
        assertEquals(ids, delivered.subList(first, Math.min(delivered.size(), first + ids.size())),
                "another event among the batch's");
        Matcher start = RUN_ID.matcher(ids.get(0));
        if (start.matches()) {
            for (int i = 0; i < ids.size(); i++) {
                Matcher id = RUN_ID.matcher(ids.get(i));
                assertTrue(id.matches(), ids.get(i));
                assertEquals(Long.parseLong(start.group(1)) + i, Long.parseLong(id.group(1)), ids.toString());
            }
        }
    }

    /** A batch published on {@code publisher} reaches a subscriber on {@code subscriber} whole, in order. */
    static void assertABatchIsDeliveredInOrderUnderConsecutiveIds(Api publisher, Api subscriber, String topic)
            throws Exception {
        try (SseStream stream = subscriber.stream("topic=" + topic)) {
            stream.ready();

            List<String> ids = ids(post(publisher, batch(topic, "e", 5), ownPublisher()));

            assertEquals(5, ids.size());
            List<SseEvent> received = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                received.add(stream.next());
            }
            assertEquals(ids, received.stream().map(SseEvent::id).toList());
            assertEquals(List.of("\"e0\"", "\"e1\"", "\"e2\"", "\"e3\"", "\"e4\""),
                    received.stream().map(SseEvent::data).toList());
            assertConsecutive(ids, ids);
        }
    }

    /**
     * Batches published at once from several threads, through both {@code nodes}: each batch arrives whole, with
     * no other event among its own.
     */
    static void assertBatchesPublishedAtOnceAreNeverInterleaved(List<Api> nodes, Api subscriber, String topic)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (SseStream stream = subscriber.stream("topic=" + topic)) {
            stream.ready();
            List<Future<List<String>>> sent = new ArrayList<>();
            for (int t = 0; t < 40; t++) {
                Api through = nodes.get(t % nodes.size());
                String body = batch(topic, "t" + t + "-", 10);
                sent.add(threads.submit(() -> ids(post(through, body, ownPublisher()))));
            }
            List<List<String>> batches = new ArrayList<>();
            for (Future<List<String>> ids : sent) {
                batches.add(ids.get(60, TimeUnit.SECONDS));
            }
            List<String> delivered = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                delivered.add(stream.next().id());
            }
            for (List<String> ids : batches) {
                assertConsecutive(ids, delivered);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A batch with one event at fault, whatever the fault, publishes none of its events: a subscriber sees only the
     * events around it, and the refusal names the event.
     */
    static void assertOneBadEventRefusesTheWholeBatch(Api publisher, Api subscriber, String topic) throws Exception {
        String good = "{\"topic\":\"" + topic + "\",\"data\":\"leaked\"}";
        Map<String, String> onlyThisTopic = Map.of("Authorization", "Bearer " + Tokens.signed(Tokens.SECRET,
                List.of(topic), List.of(), "batch-" + UUID.randomUUID(), Instant.now().plusSeconds(600), null));
        try (SseStream stream = subscriber.stream("topic=" + topic)) {
            stream.ready();
            String before = marker(publisher, topic, "before");

            assertRefused(post(publisher, "[" + good + "," + good + ",{\"topic\":\"" + topic + "\",\"data\":1,"
                    + "\"colour\":\"red\"}]", ownPublisher()), 400, "unknown_field", "events[2]: ");
            assertRefused(post(publisher, "[" + good + ",{\"topic\":\"elsewhere\",\"data\":1}," + good + "]",
                    onlyThisTopic), 403, "forbidden", "events[1]: ");
            assertRefused(post(publisher, "[" + good + ",{\"type\":\"welcome\",\"data\":1}]", ownPublisher()), 400,
                    "reserved_type", "events[1]: ");
            assertRefused(post(publisher, "[" + good + ",[" + good + "]]", ownPublisher()), 400, "invalid_body",
                    "events[1]: ");
            assertRefused(post(publisher, "[" + good + ",{\"topic\":\"" + topic + "\",\"data\":\"" + "x".repeat(70_000)
                    + "\"}]", ownPublisher()), 413, "body_too_large", "events[1]: ");
            assertRefused(post(publisher, "[" + good + "," + good + "," + good + "]", ownPublisher()), 202, null, null);
            String after = marker(publisher, topic, "after");

            List<SseEvent> received = stream.until(e -> after.equals(e.id()));
            assertEquals(before, received.get(0).id());
            assertEquals(List.of("\"before\"", "\"leaked\"", "\"leaked\"", "\"leaked\"", "\"after\""),
                    received.stream().map(SseEvent::data).toList(), "only the valid batch was published");
        }
    }

    static void assertRefused(HttpResponse<String> response, int status, String code, String detailStart) {
        assertEquals(status, response.statusCode(), response.body());
        if (code != null) {
            assertTrue(response.body().startsWith("{\"error\":\"" + code + "\",\"detail\":\"" + detailStart),
                    response.body());
        }
    }

    /**
     * One key for the whole batch: a retry through {@code retry} answers the same ids, marked, and stores nothing;
     * the key of a batch cannot be used for a single event, nor a single event's for a batch.
     */
    static void assertOneIdempotencyKeyCoversTheBatch(Api first, Api retry, String topic) throws Exception {
        String key = "batch-" + UUID.randomUUID();
        String singleKey = "single-" + UUID.randomUUID();
        String body = batch(topic, "k", 3);
        try (SseStream stream = first.stream("topic=" + topic)) {
            stream.ready();

            HttpResponse<String> published = post(first, body, withKey(key));
            HttpResponse<String> retried = post(retry, body, withKey(key));
            HttpResponse<String> single = post(retry, "{\"topic\":\"" + topic + "\",\"data\":\"k0\"}", withKey(key));
            HttpResponse<String> singleFirst = post(first, "{\"topic\":\"" + topic + "\",\"data\":\"s\"}",
                    withKey(singleKey));
            HttpResponse<String> batchAfterSingle = post(retry, "[{\"topic\":\"" + topic + "\",\"data\":\"s\"}]",
                    withKey(singleKey));
            HttpResponse<String> otherBatch = post(retry, batch(topic, "other", 3), withKey(key));
            String after = marker(first, topic, "after");

            List<String> ids = ids(published);
            assertFalse(published.headers().firstValue("Idempotent-Replayed").isPresent());
            assertEquals(ids, ids(retried));
            assertEquals("true", retried.headers().firstValue("Idempotent-Replayed").orElse(null));
            assertRefused(single, 422, "idempotency_key_reused", "");
            assertEquals(202, singleFirst.statusCode(), singleFirst.body());
            assertRefused(batchAfterSingle, 422, "idempotency_key_reused", "");
            assertRefused(otherBatch, 422, "idempotency_key_reused", "");
            assertEquals(List.of("\"k0\"", "\"k1\"", "\"k2\"", "\"s\"", "\"after\""),
                    stream.until(e -> after.equals(e.id())).stream().map(SseEvent::data).toList(), "stored once");
        }
    }

    private static Map<String, String> withKey(String key) {
        Map<String, String> headers = new HashMap<>(ownPublisher());
        headers.put("Idempotency-Key", key);
        return headers;
    }

    /**
     * Hostile arrays, generated from a fixed seed: nested arrays, 10,000 elements, bodies over the batch limit, and
     * valid events mixed with invalid ones. Each is refused with a 4xx and none publishes anything: a subscriber of
     * the topic (which every event without a topic reaches too) sees only the events around them. Answers the
     * id before and the id after, for a check of the ids themselves.
     */
    static List<String> assertHostileBatchesPublishNothing(Api publisher, Api subscriber, String topic, long seed)
            throws Exception {
        Random random = new Random(seed);
        Map<String, String> token = ownPublisher();
        try (SseStream stream = subscriber.stream("topic=" + topic)) {
            stream.ready();
            String before = marker(publisher, topic, "before");
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                String body = hostile(random, topic);
                HttpResponse<String> response = post(publisher, body, token);
                if (response.statusCode() < 400 || response.statusCode() > 499 || response.statusCode() == 429) {
                    wrong.add(response.statusCode() + " for " + (body.length() > 120 ? body.substring(0, 120) + "..."
                            : body) + ": " + response.body());
                }
            }
            String after = marker(publisher, topic, "after");

            assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())), wrong.size() + " not refused");
            assertEquals(List.of(before, after), stream.until(e -> after.equals(e.id())).stream().map(SseEvent::id)
                    .toList(), "a hostile batch published something");
            return List.of(before, after);
        }
    }

    private static String hostile(Random random, String topic) {
        String good = random.nextBoolean() ? "{\"topic\":\"" + topic + "\",\"data\":" + random.nextInt() + "}"
                : "{\"data\":\"to everyone\"}";
        String[] bad = {"{\"topic\":\"a b\",\"data\":1}", "{\"data\":1,\"data\":2}", "{\"type\":\"reset\",\"data\":1}",
            "{\"topic\":\"" + topic + "\"}", "{\"data\":1,\"retry\":1}", "{\"data\":1,\"x\":1}", "[" + good + "]", "1",
            "null", "\"event\"", "{\"topic\":\"$presence\",\"data\":1}", "{\"data\":", "{}", "[]"};
        return switch (random.nextInt(7)) {
            // arrays nested in arrays, deeper than any parser should follow
            case 0 -> "[".repeat(2 + random.nextInt(3000)) + good + "]".repeat(random.nextInt(3000));
            // 10,000 valid events: too many
            case 1 -> IntStream.range(0, 10_000).mapToObj(i -> good).collect(Collectors.joining(",", "[", "]"));
            // over the batch limit of 1 MiB
            case 2 -> "[" + good + ",{\"data\":\"" + "x".repeat(1024 * 1024) + "\"}]";
            case 3 -> "[]";
            // valid events with one invalid among them, anywhere
            default -> {
                List<String> events = new ArrayList<>();
                for (int i = random.nextInt(99); i > 0; i--) {
                    events.add(good);
                }
                events.add(random.nextInt(events.size() + 1), bad[random.nextInt(bad.length)]);
                yield "[" + String.join(",", events) + "]";
            }
        };
    }

    /**
     * The publish rate counts events: {@code batches} full batches of {@code batchSize} sent back to back by one
     * publisher get no more events accepted than the bucket ({@code bucket}, at least a full batch) and its refill
     * at {@code perSecond} allow, whatever the machine's speed; a refusal names the first event over the limit and
     * says when to come back, and coming back then, the full batch passes.
     */
    static void assertTheRateCountsEvents(Api api, int perSecond, int bucket, int batchSize, int batches)
            throws Exception {
        Map<String, String> token = ownPublisher();
        String full = batch("rate", "r", batchSize);
        long start = System.nanoTime();
        int accepted = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < batches; i++) {
            HttpResponse<String> response = post(api, full, token);
            if (response.statusCode() == 202) {
                accepted += ids(response).size();
            } else {
                assertRefused(response, 429, "rate_limited", "events[");
                refused = refused == null ? response : refused;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        assertTrue(accepted >= batchSize, "not even the first full batch passed");
        assertTrue(accepted <= bucket + perSecond * seconds, accepted + " events accepted in " + seconds + " s");
        if (refused == null) {
            // only a machine too slow to outrun the refill sends them all without one refusal
            assertTrue(batches * batchSize <= bucket + perSecond * seconds, "no refusal");
            return;
        }
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= (batchSize + perSecond - 1) / perSecond, refused.headers().map()
                .toString());
        HttpResponse<String> again = null;
        for (int attempt = 0; attempt < 3 && (again == null || again.statusCode() == 429); attempt++) {
            // the protocol's own wait: Retry-After
            Thread.sleep(TimeUnit.SECONDS.toMillis(retryAfter));
            again = post(api, full, token);
        }
        assertEquals(batchSize, ids(again).size(), "a full batch refused for good");
    }

    @Test
    void aBatchIsDeliveredInOrderUnderConsecutiveIds() throws Exception {
        assertABatchIsDeliveredInOrderUnderConsecutiveIds(api, api, "batch-order");
    }

    @Test
    void batchesPublishedAtOnceAreNeverInterleaved() throws Exception {
        assertBatchesPublishedAtOnceAreNeverInterleaved(List.of(api), api, "batch-at-once");
    }

    @Test
    void oneBadEventRefusesTheWholeBatch() throws Exception {
        assertOneBadEventRefusesTheWholeBatch(api, api, "batch-all-or-nothing");
    }

    @Test
    void oneIdempotencyKeyCoversTheBatch() throws Exception {
        assertOneIdempotencyKeyCoversTheBatch(api, api, "batch-idempotency");
    }

    @Test
    void hostileBatchesAreRefusedAndLeaveNoGapInIds() throws Exception {
        List<String> around = assertHostileBatchesPublishNothing(api, api, "batch-hostile", 20261129);

        Matcher before = RUN_ID.matcher(around.get(0));
        Matcher after = RUN_ID.matcher(around.get(1));
        assertTrue(before.matches() && after.matches(), around.toString());
        assertEquals(Long.parseLong(before.group(1)) + 1, Long.parseLong(after.group(1)), "a gap in the ids");
    }

    @Test
    void anObjectBodyIsStillAnsweredWithOneId() throws Exception {
        HttpResponse<String> response = post(api, "{\"data\":1}", ownPublisher());

        assertEquals(202, response.statusCode(), response.body());
        assertTrue(response.body().matches("\\{\"id\":\"[A-Za-z0-9._-]+\"}"), response.body());
    }
}
