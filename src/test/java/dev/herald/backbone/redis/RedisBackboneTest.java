package dev.herald.backbone.redis;

import static dev.herald.backbone.redis.RecordingListener.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.backbone.Backbone;
import dev.herald.backbone.ClientInfo;
import dev.herald.config.RedisUri;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.HeldEvents;
import dev.herald.history.History;
import dev.herald.history.Replay;
import dev.herald.history.RetentionChanges;
import dev.herald.history.StreamId;
import dev.herald.history.Topics;
import dev.herald.history.EventDraft;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;
import redis.embedded.RedisSentinel;

/** The Redis backbone against a real redis-server: several backbones in one JVM stand for several nodes. */
class RedisBackboneTest {

    private static final int HISTORY = 3;
    /** herald.retained.max-topics of every node, unless a test says otherwise. */
    private static final int MAX_RETAINED = 100;

    private final RedisProcess redis = new RedisProcess().start();
    private final List<RedisBackbone> backbones = new ArrayList<>();

    @AfterEach
    void stop() {
        backbones.forEach(RedisBackbone::close);
        redis.close();
    }

    private RedisBackbone node(RecordingListener listener) throws InterruptedException {
        return node(listener, HISTORY);
    }

    private RedisBackbone node(RecordingListener listener, int history) throws InterruptedException {
        return node(listener, history, MAX_RETAINED);
    }

    private RedisBackbone node(RecordingListener listener, int history, int maxRetained) throws InterruptedException {
        return node(listener, history, 0, maxRetained);
    }

    /** A node with these settings, started, once it has loaded what Redis holds. */
    private RedisBackbone node(RecordingListener listener, int history, long maxAgeMillis, int maxRetained)
            throws InterruptedException {
        RedisBackbone backbone = new RedisBackbone(RedisUri.parse(redis.uri()), history, maxAgeMillis, maxRetained);
        backbones.add(backbone);
        backbone.start(listener);
        next(listener.loaded);
        return backbone;
    }

    private static EventDraft draft(String data) {
        return new EventDraft("orders", "created", "{\"n\":" + data + "}", null);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 20 s: " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void everyNodeGetsEveryEventInOrderWithTheStreamId() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        node(onB);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(a.publish(draft(String.valueOf(i)), null).id().toString());
        }

        for (RecordingListener listener : List.of(onA, onB)) {
            for (int i = 0; i < 3; i++) {
                Event event = next(listener.stored);
                assertEquals(ids.get(i), event.id().toString());
                assertEquals("orders", event.topic());
                assertEquals("created", event.type());
                assertEquals("{\"n\":" + i + "}", event.data());
                assertNull(event.retryMs());
            }
        }
        assertTrue(StreamId.parse(ids.get(0)).isPresent(), ids.get(0));
    }

    @Test
    void aQuietTopicKeepsItsEventsWhileABusyOneGivesWayAndEveryNodeDecidesAlike() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        node(onB);
        List<Event> published = new ArrayList<>();
        java.util.Random random = new java.util.Random(15);
        String[] topics = {"busy", "busy", "busy", "quiet", "other", null};
        // one publish at a time, as the delivery stream keeps only about three; both nodes decide and store
        for (int i = 0; i < 300; i++) {
            String topic = topics[random.nextInt(topics.length)];
            EventDraft draft = new EventDraft(topic, "message", String.valueOf(i), null);
            published.add(new Event(a.publish(draft, null).id(), topic, "message", String.valueOf(i), null));
            next(onA.stored);
            next(onB.stored);
        }
        // a node that starts now, from what Redis stores
        RecordingListener onLate = new RecordingListener();
        node(onLate);
        // and the same order decided in memory
        History decided = new History(StreamId.SCHEME, History.Decisions.HERE, HISTORY, 0);
        published.forEach(event -> decided.append(event, 0));

        assertEquals(HISTORY, onA.held());
        assertEquals(HISTORY, onLate.held());
        await(() -> heldInRedis() == HISTORY, "held, once the decisions are stored");
        List<List<String>> clients = List.of(List.of("quiet"), List.of("busy"), List.of("quiet", "busy"),
                List.of("other"), List.of(), List.of("never"));
        int replays = 0;
        for (int i = 0; i <= published.size(); i++) {
            String lastEventId = i == 0 ? "0-0" : published.get(i - 1).id().toString();
            for (List<String> client : clients) {
                Replay expected = decided.after(lastEventId, client);
                assertEquals(expected, onA.after(lastEventId, client), lastEventId + " " + client);
                assertEquals(expected, onB.after(lastEventId, client), lastEventId + " " + client);
                assertEquals(expected, onLate.after(lastEventId, client), lastEventId + " " + client);
                replays += expected.isReset() ? 0 : 1;
            }
        }
        // with three held among six topics most clients are reset; those the bound spares are caught up
        assertTrue(replays > 10, "hardly anyone was caught up: " + replays);
    }

    /**
     * Stores of up to a thousand entries on as many new topics, each evicting one and folding one: a store changes up
     * to two thousand floors, more than the script asks Redis for at once, and what it stores is what a history in
     * memory decides, floor by floor.
     */
    @Test
    void thousandsOfFloorsChangedInOneStoreAreStoredAsDecided() throws InterruptedException {
        int size = 1_500;
        RecordingListener onA = new RecordingListener(size, 0);
        RedisBackbone a = node(onA, size, 0, MAX_RETAINED);
        List<Event> published = new ArrayList<>();
        for (int batch = 0; batch < 6; batch++) {
            List<EventDraft> drafts = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                drafts.add(new EventDraft("t" + (published.size() + i), "message", String.valueOf(i), null));
            }
            List<EventId> ids = a.publish(drafts, true, null).ids();
            for (int i = 0; i < ids.size(); i++) {
                EventDraft draft = drafts.get(i);
                published.add(new Event(ids.get(i), draft.topic(), "message", draft.data(), null));
            }
            // read before the next batch: the stream keeps about 1,500
            EventId last = ids.get(ids.size() - 1);
            await(() -> last.equals(onA.newestId()), "batch " + batch + " read");
        }
        String last = published.get(published.size() - 1).id().toString();
        await(() -> last.equals(applied()), "every decision stored");
        RecordingListener onLate = new RecordingListener(size, 0);
        node(onLate, size, 0, MAX_RETAINED);
        // the same events decided in memory, in one go
        History decided = new History(StreamId.SCHEME, History.Decisions.SHARED, size, 0);
        published.forEach(event -> decided.append(event, 0));

        assertTrue(onA.lost.isEmpty(), "the node fell behind");
        assertEquals(size, heldInRedis());
        // Redis holds the floors and folded id that history decided, all of them and no other: none stays once its
        // topic is folded, however the stores were cut
        RetentionChanges all = decided.drainChanges();
        Map<String, String> floors = new HashMap<>();
        all.floors().stream().filter(floor -> floor.evicted() != null)
                .forEach(floor -> floors.put(RetentionScripts.key(floor.topic()), floor.evicted().toString()));
        try (Jedis jedis = jedis()) {
            assertEquals(floors, jedis.hgetAll("herald:retention:evicted"));
            assertEquals(all.folded().toString(), jedis.get("herald:retention:folded"));
        }
        int caughtUp = 0;
        for (int i = 1; i < published.size(); i++) {
            List<String> client = List.of(published.get(i).topic());
            for (String lastEventId : List.of(published.get(i - 1).id().toString(), published.get(i).id().toString())) {
                Replay expected = decided.after(lastEventId, client);
                assertEquals(expected, onA.after(lastEventId, client), lastEventId + " " + client);
                assertEquals(expected, onLate.after(lastEventId, client), lastEventId + " " + client);
                caughtUp += expected.isReset() ? 0 : 1;
            }
        }
        // those held, and those remembered by name: caught up; those folded: reset
        assertTrue(caughtUp > 2 * size, "hardly anyone was caught up: " + caughtUp);
    }

    @Test
    void eventsPastTheMaximumAgeAreEvictedByTheNextPublishWhateverTheirTopic() throws InterruptedException {
        RecordingListener onA = new RecordingListener(100, 500);
        RedisBackbone a = node(onA, 100, 500, MAX_RETAINED);
        StreamId old = (StreamId) a.publish(new EventDraft("quiet", "message", "1", null), null).id();
        next(onA.stored);
        Thread.sleep(700);
        assertEquals(List.of("1"), data(onA.after("0-1", List.of("quiet"))), "no sweep by the node's clock");
        a.publish(new EventDraft("busy", "message", "2", null), null);
        next(onA.stored);

        assertEquals(Replay.ResetReason.TOO_OLD, onA.after("0-1", List.of("quiet")).reset());
        await(() -> !jedis().hexists("herald:held", old.toString()), "the eviction stored");
        assertEquals(old.toString(), jedis().hget("herald:retention:evicted", "quiet"));
    }

    /**
     * Events published while no node reads (a node that publishes before its reader started, or whose reader
     * stopped) are only in the delivery stream: the next node that starts decides them, as the others would have, and
     * stores its decisions.
     */
    @Test
    void aNodeThatStartsDecidesWhatNoNodeDecidedYetAndStoresIt() throws InterruptedException {
        // publishes without a reader: nothing decides
        RedisBackbone publisher = new RedisBackbone(RedisUri.parse(redis.uri()), HISTORY, 0, MAX_RETAINED);
        backbones.add(publisher);
        List<Event> published = new ArrayList<>();
        String[] topics = {"busy", "busy", "quiet", null};
        for (int i = 0; i < 12; i++) {
            EventDraft draft = new EventDraft(topics[i % topics.length], "message", String.valueOf(i), null);
            published.add(new Event(publisher.publish(draft, null).id(), draft.topic(), "message", draft.data(), null));
        }
        assertEquals(0, heldInRedis(), "Redis stores what the nodes decide, and none did");

        RecordingListener onLate = new RecordingListener();
        node(onLate);
        History decided = new History(StreamId.SCHEME, History.Decisions.HERE, HISTORY, 0);
        published.forEach(event -> decided.append(event, 0));
        await(() -> heldInRedis() == HISTORY, "its decisions stored");
        RecordingListener onNext = new RecordingListener();
        node(onNext);
        for (int i = 0; i <= published.size(); i++) {
            String lastEventId = i == 0 ? "0-0" : published.get(i - 1).id().toString();
            for (List<String> client : List.of(List.of("quiet"), List.of("busy"), List.<String>of())) {
                Replay expected = decided.after(lastEventId, client);
                assertEquals(expected, onLate.after(lastEventId, client), lastEventId + " " + client);
                assertEquals(expected, onNext.after(lastEventId, client), lastEventId + " " + client);
            }
        }
    }

    /**
     * When the delivery stream trimmed events that no node had decided (no node read them), Redis cannot say which
     * were lost: a node that starts counts everything before the oldest entry left as gone, so a client older than it
     * gets a reset, never a gap.
     */
    @Test
    void eventsTrimmedBeforeAnyNodeDecidedThemAreGoneForEveryClientOlderThanTheStream() throws InterruptedException {
        RedisBackbone publisher = new RedisBackbone(RedisUri.parse(redis.uri()), HISTORY, 0, MAX_RETAINED);
        backbones.add(publisher);
        StreamId quiet = (StreamId) publisher.publish(new EventDraft("quiet", "message", "q", null), null).id();
        List<EventDraft> busy = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            busy.add(new EventDraft("busy", "message", String.valueOf(i), null));
        }
        StreamId last = null;
        for (int i = 0; i < 10; i++) {
            List<EventId> ids = publisher.publish(busy, true, null).ids();
            last = (StreamId) ids.get(ids.size() - 1);
        }
        StreamId oldestLeft;
        try (Jedis jedis = jedis()) {
            oldestLeft = StreamEntries.id(jedis.xrange("herald:events", StreamEntryID.MINIMUM_ID,
                    StreamEntryID.MAXIMUM_ID, 1).get(0).getID());
        }
        assertTrue(oldestLeft.compareTo(quiet) > 0, "the quiet event was trimmed: " + oldestLeft);

        RecordingListener onLate = new RecordingListener();
        node(onLate);

        assertEquals(Replay.ResetReason.TOO_OLD, onLate.after(quiet.toString(), List.of("quiet")).reset());
        assertEquals(Replay.ResetReason.TOO_OLD, onLate.after("0-0", List.of("quiet")).reset());
        assertEquals(last, onLate.newestId());
        assertEquals(HISTORY, onLate.held());
        // a node that starts once those decisions are stored, past the oldest entry left, cannot see from the
        // stream that anything was trimmed undecided: Redis says so
        String newest = last.toString();
        await(() -> newest.equals(applied()), "the late node's decisions stored");
        RecordingListener onNext = new RecordingListener();
        node(onNext);
        assertEquals(Replay.ResetReason.TOO_OLD, onNext.after(quiet.toString(), List.of("quiet")).reset());
        assertEquals(Replay.ResetReason.TOO_OLD, onNext.after("0-0", List.of("quiet")).reset());
        assertEquals(HISTORY, onNext.held());
    }

    @Test
    void theFirstNodeOfThisLayoutDropsWhatAnEarlierOneKeptAndResetsOlderIds() throws InterruptedException {
        StreamId before;
        try (Jedis jedis = jedis()) {
            // what the earlier layout (the script decided) left: a held event and its records
            before = StreamEntries.id(jedis.xadd("herald:events", StreamEntryID.NEW_ENTRY,
                    java.util.Map.of("topic", "orders", "type", "message", "data", "1")));
            jedis.hset("herald:held", before.toString(), "[\"topic\",\"orders\",\"type\",\"message\",\"data\",\"1\"]");
            jedis.hset("herald:retention:topics", "orders", "1 " + before + " " + before + " -");
            jedis.set("herald:retention:top", "1");
            jedis.zadd("herald:retention:holding:1", 1, "orders");
            jedis.set("herald:retention:since", "0-0");
        }
        RecordingListener onA = new RecordingListener();
        node(onA);

        try (Jedis jedis = jedis()) {
            for (String key : List.of("herald:held", "herald:retention:topics", "herald:retention:top",
                    "herald:retention:holding:1")) {
                assertFalse(jedis.exists(key), key);
            }
            assertEquals(before.toString(), jedis.get("herald:retention:since"));
        }
        assertEquals(Replay.ResetReason.TOO_OLD, onA.after("0-0", List.of("orders")).reset());
        assertEquals(List.of(), onA.after(before.toString(), List.of("orders")).events());
    }

    @Test
    void aNodeConfiguredUnlikeTheOneBeforeSaysSo() throws InterruptedException {
        try (LogCapture warnings = LogCapture.of(StreamReader.class,
                record -> record.getLevel().intValue() >= Level.WARNING.intValue())) {
            node(new RecordingListener());
            node(new RecordingListener());
            assertEquals(List.of(), warnings.records().stream().map(LogRecord::getMessage).toList(),
                    "configured alike");
            node(new RecordingListener(5, 0), 5);
            await(() -> warnings.records().stream().anyMatch(w -> w.getMessage().contains("3 0, this one 5 0")),
                    "a warning naming both settings");
        }
    }

    private Jedis jedis() {
        return new Jedis("127.0.0.1", redis.port());
    }

    private String applied() {
        try (Jedis jedis = jedis()) {
            return jedis.get("herald:retention:applied");
        }
    }

    private long heldInRedis() {
        try (Jedis jedis = jedis()) {
            return jedis.hlen("herald:held");
        }
    }

    private static List<String> data(Replay replay) {
        assertFalse(replay.isReset(), "reset: " + replay.reset());
        return replay.events().stream().map(Event::data).toList();
    }

    @Test
    void anIdempotencyKeyStoresOnceAcrossNodes() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RedisBackbone a = node(onA);
        RedisBackbone b = node(new RecordingListener());

        Backbone.Published first = a.publish(draft("1"), "key-1");
        Backbone.Published retried = b.publish(draft("1"), "key-1");

        assertFalse(first.repeated());
        assertTrue(retried.repeated());
        assertEquals(first.id(), retried.id());
        assertThrows(Backbone.IdempotencyKeyReusedException.class, () -> a.publish(draft("2"), "key-1"));
        Backbone.Published other = a.publish(draft("1"), "key-2");
        assertEquals(first.id(), next(onA.stored).id());
        assertEquals(other.id(), next(onA.stored).id());
        assertNull(onA.stored.poll(300, TimeUnit.MILLISECONDS), "stored twice");
    }

    /**
     * Batches of one to five events, mixed topics, on a history of three: each batch is one run of the script, its
     * events reach every node in order right after each other, and the evictions decided for each are those it
     * would have had alone, so the mirrored, the restored and the decided-in-memory histories replay alike.
     */
    @Test
    void aBatchIsStoredInOrderAndEachEventEvictsAsIfPublishedAlone() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        node(onB);
        java.util.Random random = new java.util.Random(4);
        String[] topics = {"busy", "busy", "busy", "quiet", null};
        List<Event> published = new ArrayList<>();
        History decided = new History(StreamId.SCHEME, History.Decisions.HERE, HISTORY, 0);
        for (int round = 0; round < 80; round++) {
            List<EventDraft> drafts = new ArrayList<>();
            for (int i = 1 + random.nextInt(5); i > 0; i--) {
                drafts.add(new EventDraft(topics[random.nextInt(topics.length)], "message", round + "." + i, null));
            }
            Backbone.Published batch = a.publish(drafts, true, null);

            assertEquals(drafts.size(), batch.ids().size());
            for (int i = 0; i < drafts.size(); i++) {
                EventDraft draft = drafts.get(i);
                Event event = new Event(batch.ids().get(i), draft.topic(), draft.type(), draft.data(), null);
                published.add(event);
                decided.append(event, 0);
                assertEquals(event, next(onA.stored));
            }
            // node B reads each round before the next: with a history of 3 the stream keeps about 5 entries, and a
            // node further behind would lose some (and say so) rather than read them
            for (Event event : published.subList(published.size() - drafts.size(), published.size())) {
                assertEquals(event, next(onB.stored), "node B, in the same order");
            }
        }
        for (int i = 1; i < published.size(); i++) {
            assertTrue(published.get(i).id().compareTo(published.get(i - 1).id()) > 0, "ids in order");
        }
        RecordingListener onLate = new RecordingListener();
        node(onLate);
        List<List<String>> clients = List.of(List.of("quiet"), List.of("busy"), List.of("quiet", "busy"), List.of());
        for (int i = 0; i <= published.size(); i++) {
            String lastEventId = i == 0 ? "0-0" : published.get(i - 1).id().toString();
            for (List<String> client : clients) {
                Replay expected = decided.after(lastEventId, client);
                assertEquals(expected, onA.after(lastEventId, client), lastEventId + " " + client);
                assertEquals(expected, onB.after(lastEventId, client), lastEventId + " " + client);
                assertEquals(expected, onLate.after(lastEventId, client), lastEventId + " " + client);
            }
        }
    }

    @Test
    void batchesPublishedAtOnceThroughTwoNodesAreNeverInterleaved() throws Exception {
        RecordingListener onA = new RecordingListener();
        // a history that holds them all, so that the delivery stream does too however far node A lags
        RedisBackbone a = node(onA, 1000);
        RedisBackbone b = node(new RecordingListener(), 1000);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<Backbone.Published>> sent = new ArrayList<>();
        try {
            for (int t = 0; t < 40; t++) {
                RedisBackbone through = t % 2 == 0 ? a : b;
                List<EventDraft> drafts = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    drafts.add(draft(t + "" + i));
                }
                sent.add(threads.submit(() -> through.publish(drafts, true, null)));
            }
            List<List<dev.herald.history.EventId>> batches = new ArrayList<>();
            for (java.util.concurrent.Future<Backbone.Published> batch : sent) {
                batches.add(batch.get(10, TimeUnit.SECONDS).ids());
            }
            List<dev.herald.history.EventId> order = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                order.add(next(onA.stored).id());
            }
            for (List<dev.herald.history.EventId> ids : batches) {
                int first = order.indexOf(ids.get(0));
                assertEquals(ids, order.subList(first, first + ids.size()), "a batch with another event in it");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anIdempotencyKeyCoversAWholeBatchAcrossNodesAndNeverASingleEvent() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RedisBackbone a = node(onA);
        RedisBackbone b = node(new RecordingListener());
        List<EventDraft> drafts = List.of(draft("1"), draft("2"));

        Backbone.Published first = a.publish(drafts, true, "batch-1");
        Backbone.Published retried = b.publish(drafts, true, "batch-1");
        a.publish(draft("1"), "single-1");

        assertFalse(first.repeated());
        assertTrue(retried.repeated());
        assertEquals(first.ids(), retried.ids());
        Class<Backbone.IdempotencyKeyReusedException> reused = Backbone.IdempotencyKeyReusedException.class;
        assertThrows(reused, () -> b.publish(draft("1"), "batch-1"));
        assertThrows(reused, () -> b.publish(List.of(draft("1")), true, "single-1"));
        assertThrows(reused, () -> b.publish(List.of(draft("2"), draft("1")), true, "batch-1"));
        assertEquals(first.ids(), List.of(next(onA.stored).id(), next(onA.stored).id()));
        next(onA.stored);
        assertNull(onA.stored.poll(300, TimeUnit.MILLISECONDS), "stored twice");
    }

    @Test
    void theScriptsRunByTheirShaAndComeBackAfterRedisForgetsThem() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RedisBackbone a = node(onA);
        // a key makes it a run of the publish script (a plain event is a plain XADD)
        a.publish(draft("0"), "key-0");
        next(onA.stored);
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", redis.port())) {
            assertTrue(jedis.scriptExists(RetentionScripts.PUBLISH.sha1()));
            // as after a restart of Redis without persistence of its script cache, or an operator's SCRIPT FLUSH
            jedis.scriptFlush();
        }

        Backbone.Published after = a.publish(draft("1"), "key-1");
        assertEquals(after.id(), next(onA.stored).id());
        RecordingListener onLate = new RecordingListener();
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", redis.port())) {
            jedis.scriptFlush();
        }
        RedisBackbone late = new RedisBackbone(RedisUri.parse(redis.uri()), HISTORY, 0, MAX_RETAINED);
        backbones.add(late);
        late.start(onLate);
        next(onLate.loaded);
        assertEquals(after.id(), onLate.newestId());
    }

    @Test
    void aNodeThatStartsLaterLoadsTheHeldHistory() throws InterruptedException {
        RedisBackbone a = node(new RecordingListener());
        List<StreamId> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add((StreamId) a.publish(draft(String.valueOf(i)), null).id());
        }

        RecordingListener onLate = new RecordingListener();
        RedisBackbone late = new RedisBackbone(RedisUri.parse(redis.uri()), HISTORY, 0, MAX_RETAINED);
        backbones.add(late);
        late.start(onLate);
        next(onLate.loaded);

        // the newest three of the topic, and what the topic evicted last
        assertEquals(ids.subList(2, 5), onLate.after(ids.get(1).toString(), List.of("orders")).events().stream()
                .map(Event::id).toList());
        assertEquals(Replay.ResetReason.TOO_OLD, onLate.after(ids.get(0).toString(), List.of("orders")).reset());
        assertEquals(ids.get(4), onLate.newestId());
        Backbone.Published after = a.publish(draft("5"), null);
        assertEquals(after.id(), next(onLate.stored).id());
        assertTrue(late.isStored(ids.get(4)));
        assertFalse(late.isStored(new StreamId(ids.get(4).millis() + 60_000, 0)));
    }

    private static EventDraft retain(String topic, String data) {
        return new EventDraft(topic, "state", "{\"n\":" + data + "}", null, true);
    }

    @Test
    void aRetainedEventReachesEveryNodeAsRetainedAndAPlainOneDoesNot() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        node(onB);

        Backbone.Published retained = a.publish(retain("orders", "1"), null);
        Backbone.Published plain = a.publish(draft("2"), null);

        for (RecordingListener on : List.of(onA, onB)) {
            Event event = next(on.retained);
            assertEquals(retained.id(), event.id());
            assertEquals("orders", event.topic());
            assertEquals("{\"n\":1}", event.data());
            assertEquals(List.of(retained.id(), plain.id()), List.of(next(on.stored).id(), next(on.stored).id()));
            assertNull(on.retained.poll(300, TimeUnit.MILLISECONDS), "a plain event was retained");
        }
    }

    @Test
    void aClearReachesEveryNodeInTheStreamsOrderAndOnlyWhenThereWasOne() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        RedisBackbone b = node(onB);

        Backbone.Published first = a.publish(retain("orders", "1"), null);
        assertTrue(b.clearRetained("orders"));
        assertFalse(a.clearRetained("orders"), "cleared twice");
        Backbone.Published second = b.publish(retain("orders", "2"), null);
        Backbone.Published plain = a.publish(draft("3"), null);

        for (RecordingListener on : List.of(onA, onB)) {
            assertEquals(List.of("retained " + first.id(), "cleared orders", "retained " + second.id()),
                    List.of(next(on.retainLog), next(on.retainLog), next(on.retainLog)));
            // the clear's entry is no event: only the three events are delivered
            assertEquals(List.of(first.id(), second.id(), plain.id()),
                    List.of(next(on.stored).id(), next(on.stored).id(), next(on.stored).id()));
            assertNull(on.retainLog.poll(300, TimeUnit.MILLISECONDS), "cleared twice");
        }
    }

    @Test
    void theRetainedTopicsBoundHoldsAcrossNodesAndARefusedRetainStoresNothing() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RedisBackbone a = node(onA, HISTORY, 2);
        RedisBackbone b = node(new RecordingListener(), HISTORY, 2);

        Backbone.Published one = a.publish(retain("t1", "1"), null);
        Backbone.Published two = b.publish(retain("t2", "2"), null);
        // the last place was taken by b: a's retain on a third topic is refused, b's too
        assertThrows(Backbone.RetainedFullException.class, () -> a.publish(retain("t3", "3"), null));
        assertThrows(Backbone.RetainedFullException.class, () -> b.publish(retain("t3", "3"), "key-3"));
        // replacing is never refused, from either node
        Backbone.Published replaced = a.publish(retain("t2", "4"), null);
        Backbone.Published replacedToo = b.publish(retain("t1", "5"), null);

        assertEquals(List.of(one.id(), two.id(), replaced.id(), replacedToo.id()), List.of(next(onA.stored).id(),
                next(onA.stored).id(), next(onA.stored).id(), next(onA.stored).id()));
        assertNull(onA.stored.poll(300, TimeUnit.MILLISECONDS), "a refused retain was stored");
        // the refused keyed publish used no key: a place freed, it is stored
        assertTrue(a.clearRetained("t1"));
        Backbone.Published third = b.publish(retain("t3", "3"), "key-3");
        assertFalse(third.repeated());
        assertEquals(third.id(), lastRetained(onA, third));
    }

    /** Skips the retained events before {@code published}'s, answers its id once it arrives. */
    private static StreamId lastRetained(RecordingListener on, Backbone.Published published)
            throws InterruptedException {
        StreamId id;
        do {
            id = (StreamId) next(on.retained).id();
        } while (!id.equals(published.id()));
        return id;
    }

    @Test
    void aBatchWhoseRetainsDoNotAllFitStoresNothing() throws InterruptedException {
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(new RecordingListener(), HISTORY, 2);
        node(onB, HISTORY, 2);
        Backbone.Published one = a.publish(retain("t1", "1"), null);

        assertThrows(Backbone.RetainedFullException.class, () -> a.publish(
                List.of(draft("2"), retain("t2", "3"), retain("t3", "4")), true, null));
        // two retains of one new topic take one place; with a replace, it fits
        Backbone.Published fits = a.publish(List.of(retain("t2", "5"), retain("t2", "6"), retain("t1", "7")),
                true, null);

        List<StreamId> expected = new ArrayList<>();
        expected.add((StreamId) one.id());
        fits.ids().forEach(id -> expected.add((StreamId) id));
        List<StreamId> retained = new ArrayList<>();
        List<StreamId> stored = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            retained.add((StreamId) next(onB.retained).id());
            stored.add((StreamId) next(onB.stored).id());
        }
        assertEquals(expected, retained);
        assertEquals(expected, stored);
        assertNull(onB.stored.poll(300, TimeUnit.MILLISECONDS), "the refused batch was stored");
    }

    @Test
    void aNodeThatStartsLaterLoadsTheRetainedEventsButNoClearedOne() throws InterruptedException {
        RedisBackbone a = node(new RecordingListener());
        a.publish(retain("t1", "1"), null);
        Backbone.Published kept = a.publish(retain("t2", "2"), null);
        a.publish(retain("t3", "3"), null);
        Backbone.Published replacing = a.publish(retain("t3", "4"), null);
        assertTrue(a.clearRetained("t1"));

        RecordingListener onLate = new RecordingListener();
        RedisBackbone late = new RedisBackbone(RedisUri.parse(redis.uri()), HISTORY, 0, MAX_RETAINED);
        backbones.add(late);
        late.start(onLate);
        HeldEvents loaded = next(onLate.loaded);

        // in id order, each as it was published; the replaced and the cleared ones are gone
        List<Event> retained = loaded.retained();
        assertEquals(List.of(kept.id(), replacing.id()), retained.stream().map(Event::id).toList());
        assertEquals(List.of("t2", "t3"), retained.stream().map(Event::topic).toList());
        assertEquals(List.of("{\"n\":2}", "{\"n\":4}"), retained.stream().map(Event::data).toList());
        assertTrue(retained.stream().allMatch(event -> event.type().equals("state")));
        // the history's position is the newest event, not the clear's entry after it (no client can have that id)
        assertEquals(replacing.id(), onLate.newestId());
        assertFalse(late.isStored(nextEntryAfter(replacing)), "a clear's entry counted as a stored event");
        // and the reader goes on after the clear: the next entry it hands over is the next event
        Backbone.Published after = a.publish(retain("t1", "5"), null);
        assertEquals(after.id(), next(onLate.retained).id());
        assertTrue(onLate.cleared.isEmpty(), "the clear was read again");
    }

    @Test
    void aNodeThatStartsAfterMoreClearsThanItReadsAtOnceFindsTheNewestEventBeforeThem() throws InterruptedException {
        // HeldSnapshot reads the last 100 entries in its transaction; 150 clears after the newest event
        RedisBackbone a = node(new RecordingListener(), HISTORY, 200);
        Backbone.Published newestEvent = null;
        for (int i = 0; i < 150; i++) {
            newestEvent = a.publish(retain("r" + i, String.valueOf(i)), null);
        }
        for (int i = 0; i < 150; i++) {
            assertTrue(a.clearRetained("r" + i));
        }

        RecordingListener onLate = new RecordingListener();
        RedisBackbone late = new RedisBackbone(RedisUri.parse(redis.uri()), HISTORY, 0, 200);
        backbones.add(late);
        late.start(onLate);
        HeldEvents loaded = next(onLate.loaded);

        assertEquals(newestEvent.id(), onLate.newestId());
        assertEquals(List.of(), loaded.retained());
        Backbone.Published after = a.publish(draft("after"), null);
        assertEquals(after.id(), next(onLate.stored).id());
        assertTrue(onLate.cleared.isEmpty(), "a clear was read again");
    }

    /** The id of the delivery stream's entry right after {@code published}'s (here: a clear's). */
    private StreamId nextEntryAfter(Backbone.Published published) {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            StreamId id = (StreamId) published.id();
            List<StreamEntry> entries = jedis.xrange(RedisBackbone.STREAM,
                    new StreamEntryID(id.millis(), id.sequence() + 1), StreamEntryID.MAXIMUM_ID, 1);
            return StreamEntries.id(entries.get(0).getID());
        }
    }

    @Test
    void aReplayedKeyedPublishNeitherRetainsAgainNorMeetsTheBound() throws InterruptedException {
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(new RecordingListener(), HISTORY, 2);
        RedisBackbone b = node(onB, HISTORY, 2);
        List<EventDraft> batch = List.of(retain("t1", "1"), retain("t2", "2"));
        Backbone.Published first = a.publish(batch, true, "key-1");
        assertThrows(Backbone.RetainedFullException.class, () -> a.publish(retain("t3", "3"), null));

        // replayed while the bound is reached: the first answer, not refused
        Backbone.Published replayed = b.publish(batch, true, "key-1");
        assertTrue(replayed.repeated());
        assertEquals(first.ids(), replayed.ids());
        // replayed after its topic was cleared: t1 is not retained again, so one place is free for t3
        assertTrue(a.clearRetained("t1"));
        assertTrue(b.publish(batch, true, "key-1").repeated());
        Backbone.Published third = a.publish(retain("t3", "3"), null);

        assertEquals(List.of("retained " + first.ids().get(0), "retained " + first.ids().get(1), "cleared t1",
                "retained " + third.id()), List.of(next(onB.retainLog), next(onB.retainLog), next(onB.retainLog),
                next(onB.retainLog)));
        assertNull(onB.retainLog.poll(300, TimeUnit.MILLISECONDS), "retained again");
    }

    @Test
    void joinsAndClientsReachTheOtherNodesOnly() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        RedisBackbone b = node(onB);
        ClientInfo client = new ClientInfo("AbCdEfGhIj", List.of("orders"), "2026-11-23T23:00:00Z");

        // the channel subscription starts on its own thread: announce until B has heard one
        Event join = new Event(null, Topics.PRESENCE, "join", "{\"clientId\":\"AbCdEfGhIj\",\"topics\":[\"orders\"]}", null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Event heard = null;
        while (heard == null && System.nanoTime() < deadline) {
            a.announce(join);
            heard = onB.presence.poll(200, TimeUnit.MILLISECONDS);
        }
        assertEquals(join, heard);
        assertNull(onA.presence.poll(300, TimeUnit.MILLISECONDS), "a node heard its own join");

        a.connected(client);
        await(() -> b.otherClients(10).equals(List.of(client)), "B lists A's client");
        assertEquals(1, b.otherClientCount());
        assertEquals(List.of(), a.otherClients(10));

        a.close();
        assertEquals(List.of(), b.otherClients(10));
        assertEquals(0, b.otherClientCount());
    }

    @Test
    void anOutageRefusesPublishesAndTheReaderResumesWithoutSkipping() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(onA);
        node(onB);
        List<LogRecord> logged;
        try (LogCapture outageLog = LogCapture.of(RedisBackbone.class, record -> record.getLevel().intValue()
                >= Level.INFO.intValue() && record.getMessage().startsWith("Redis at"))) {
            survivesAnOutage(a, onA, onB);
            logged = List.copyOf(outageLog.records());
        }
        // two nodes: each says once that Redis is gone and once that it is back, however many publishes failed
        assertEquals(List.of(Level.WARNING, Level.WARNING, Level.INFO, Level.INFO),
                logged.stream().map(LogRecord::getLevel).sorted(java.util.Comparator.comparing(Level::intValue).reversed())
                        .toList(), logged.stream().map(LogRecord::getMessage).toList().toString());
    }

    private void survivesAnOutage(RedisBackbone a, RecordingListener onA, RecordingListener onB)
            throws InterruptedException {
        Backbone.Published before = a.publish(draft("1"), null);
        assertEquals(before.id(), next(onB.stored).id());

        redis.stop();
        for (int i = 0; i < 3; i++) {
            assertThrows(Backbone.UnavailableException.class, () -> a.publish(draft("lost"), null));
        }
        await(() -> !a.isAvailable(), "A reports Redis down");
        // a read that fails is an outage too: said, never an empty answer that looks like the truth
        assertThrows(Backbone.UnavailableException.class, () -> a.otherClients(10));
        assertThrows(Backbone.UnavailableException.class, a::otherClientCount);
        assertThrows(Backbone.UnavailableException.class, () -> a.isStored((StreamId) before.id()));

        redis.start();
        Backbone.Published after = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (after == null) {
            try {
                after = a.publish(draft("2"), null);
            } catch (Backbone.UnavailableException e) {
                assertTrue(System.nanoTime() < deadline, "Redis did not come back: " + e.getMessage());
                Thread.sleep(100);
            }
        }
        assertEquals(after.id(), next(onB.stored).id());
        assertEquals(before.id(), next(onA.stored).id());
        assertEquals(after.id(), next(onA.stored).id());
        assertNull(onB.stored.poll(300, TimeUnit.MILLISECONDS), "delivered twice");
        await(a::isAvailable, "A reports Redis up");
    }

    @Test
    void findsRedisThroughSentinel() throws Exception {
        int sentinelPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            sentinelPort = socket.getLocalPort();
        }
        int redisPort = Integer.parseInt(redis.uri().replaceAll(".*:([0-9]+)/0", "$1"));
        RedisSentinel sentinel = RedisSentinel.newRedisSentinel().bind("127.0.0.1").port(sentinelPort)
                .masterPort(redisPort).masterName("herald").build();
        sentinel.start();
        try {
            RecordingListener listener = new RecordingListener();
            RedisBackbone viaSentinel = new RedisBackbone(
                    RedisUri.parse("redis-sentinel://127.0.0.1:" + sentinelPort + "/0?master=herald"), HISTORY, 0,
                    MAX_RETAINED);
            backbones.add(viaSentinel);
            viaSentinel.start(listener);
            next(listener.loaded);

            Backbone.Published published = viaSentinel.publish(draft("1"), null);

            assertEquals(published.id(), next(listener.stored).id());
        } finally {
            sentinel.stop();
        }
    }

    @Test
    void theClientsOfANodeThatDiedWithoutStoppingDisappear() throws InterruptedException {
        RedisBackbone a = node(new RecordingListener());
        RedisBackbone b = node(new RecordingListener());
        ClientInfo client = new ClientInfo("AbCdEfGhIj", List.of(), "2026-11-23T23:00:00Z");
        a.connected(client);
        await(() -> b.otherClients(10).equals(List.of(client)), "B lists A's client");
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", redis.port())) {
            String entry = jedis.smembers(RedisBackbone.NODES).stream()
                    .filter(node -> jedis.hexists(RedisBackbone.CLIENTS + node, "AbCdEfGhIj")).findFirst().orElseThrow();
            long ttl = jedis.pttl(RedisBackbone.CLIENTS + entry);
            assertTrue(ttl > 0 && ttl <= NodeRegistry.TTL.toMillis(), "entry expires in " + ttl + " ms");

            // a node that dies leaves its entry behind, with the expiry it last set: shortened here to one second
            jedis.sadd(RedisBackbone.NODES, "ndead000");
            jedis.hset(RedisBackbone.CLIENTS + "ndead000", "ZyXwVuTsRq", "{\"clientId\":\"ZyXwVuTsRq\",\"topics\":[],"
                    + "\"connectedAt\":\"2026-11-23T22:00:00Z\"}");
            jedis.pexpire(RedisBackbone.CLIENTS + "ndead000", 1000);
            assertEquals(2, b.otherClientCount());

            await(() -> b.otherClientCount() == 1, "the dead node's client is still listed");
            assertEquals(List.of(client), b.otherClients(10));
            assertFalse(jedis.smembers(RedisBackbone.NODES).contains("ndead000"), "the dead node is still a member");
        }
    }

    @Test
    void aSubjectTravelsWithItsClientsJoinAndListingToTheOtherNodes() throws InterruptedException {
        RecordingListener onB = new RecordingListener();
        RedisBackbone a = node(new RecordingListener());
        RedisBackbone b = node(onB);
        ClientInfo client = new ClientInfo("AbCdEfGhIj", List.of("orders"), "2026-11-23T23:00:00Z", "alice");
        Event join = new Event(null, Topics.PRESENCE, "join",
                "{\"clientId\":\"AbCdEfGhIj\",\"topics\":[\"orders\"],\"sub\":\"alice\"}", null);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Event heard = null;
        while (heard == null && System.nanoTime() < deadline) {
            a.announce(join);
            heard = onB.presence.poll(200, TimeUnit.MILLISECONDS);
        }
        assertEquals(join, heard);
        a.connected(client);
        a.connected(new ClientInfo("ZyXwVuTsRq", List.of(), "2026-11-23T23:00:01Z"));

        await(() -> b.otherClients(10).size() == 2, "B lists A's clients");
        assertEquals(List.of(client, new ClientInfo("ZyXwVuTsRq", List.of(), "2026-11-23T23:00:01Z")),
                b.otherClients(10).stream().sorted(java.util.Comparator.comparing(ClientInfo::connectedAt)).toList());
    }

    @Test
    void theEndOfASubjectsStreamsReachesEveryOtherNodeButNotTheSender() throws InterruptedException {
        RecordingListener onA = new RecordingListener();
        RecordingListener onB = new RecordingListener();
        RecordingListener onC = new RecordingListener();
        RedisBackbone a = node(onA);
        node(onB);
        node(onC);

        // the channel subscriptions start on their own threads: send until both have heard one
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((onB.subjectsEnded.isEmpty() || onC.subjectsEnded.isEmpty()) && System.nanoTime() < deadline) {
            a.endSubject("alice");
            Thread.sleep(50);
        }
        a.endSubject("bob");

        awaitValue(onB.subjectsEnded, "bob");
        awaitValue(onC.subjectsEnded, "bob");
        assertNull(onA.subjectsEnded.poll(300, TimeUnit.MILLISECONDS), "the sender was asked to end its own");
    }

    @Test
    void aBlockIsSeenByEveryNodeAndEndsWithItsKey() throws InterruptedException {
        RedisBackbone a = node(new RecordingListener());
        RedisBackbone b = node(new RecordingListener());
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

        a.blockSubject("alice", now, Duration.ofSeconds(5));
        a.blockSubject("brief", now, Duration.ofMillis(50));

        assertEquals(now.plusSeconds(5), b.blockedUntil("alice", Instant.now()));
        assertNull(b.blockedUntil("bob", Instant.now()));
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", redis.port())) {
            long ttl = jedis.pttl(RedisBackbone.BLOCKED + "alice");
            assertTrue(ttl > 0 && ttl <= 5000, "the block's key expires in " + ttl + " ms");
        }
        await(() -> b.blockedUntil("brief", Instant.now()) == null, "a 50 ms block still refuses");
        assertEquals(now.plusSeconds(5), b.blockedUntil("alice", Instant.now()));
    }

    /** Takes from {@code queue} until {@code value} comes; fails when it has not within 10 s. */
    private static void awaitValue(java.util.concurrent.BlockingQueue<String> queue, String value)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String item;
        do {
            item = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertTrue(item != null, "not within 10 s: " + value);
        } while (!item.equals(value));
    }
}
