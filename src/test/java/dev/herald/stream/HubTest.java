package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.MovableClock;
import dev.herald.auth.Access;
import dev.herald.auth.Listeners;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.InMemoryBackbone;
import dev.herald.config.HeraldConfig;
import dev.herald.history.EventDraft;
import dev.herald.history.RunId;
import dev.herald.metrics.HeraldMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HubTest {

    private static final HeraldConfig CONFIG = new HeraldConfig(3000, 3600, 1000, 64, 65_536, 1000, null, false, null, null, List.of(),
            new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
            new HeraldConfig.Batch(100, 1_048_576), 100_000, 1000);

    private final JerseyEvents sse = new JerseyEvents();
    private final HeraldMetrics metrics = new HeraldMetrics("single");
    private final Delivery delivery = Delivery.withOwnThreads(metrics);
    private final Hub hub = started(CONFIG);
    private final ExecutorService publisher = Executors.newSingleThreadExecutor();
    /** Calls write listeners back, as the container's threads do. */
    private final ExecutorService container = Executors.newCachedThreadPool();
    private final List<RecordingOutput> outputs = new ArrayList<>();

    /** A hub as the composition root makes it: on an in-memory backbone, after the runtime started. */
    private Hub started(HeraldConfig config) {
        return started(config, Clock.systemUTC());
    }

    private Hub started(HeraldConfig config, Clock clock) {
        InMemoryBackbone backbone = new InMemoryBackbone(config.historySize(), config.retainedMaxTopics());
        Hub started = new Hub(config, clock, backbone, delivery, metrics);
        backbone.start(started);
        started.runtimeStarted(sse);
        return started;
    }

    @AfterEach
    void close() throws InterruptedException {
        hub.close();
        delivery.close();
        publisher.shutdownNow();
        container.shutdownNow();
        assertTrue(publisher.awaitTermination(5, TimeUnit.SECONDS));
        assertTrue(container.awaitTermination(5, TimeUnit.SECONDS));
        outputs.forEach(RecordingOutput::assertUsedCorrectly);
    }

    private RecordingOutput subscribe(List<String> topics, boolean envelope, String lastEventId) {
        return subscribe(topics, envelope, lastEventId, false);
    }

    private RecordingOutput subscribe(List<String> topics, boolean envelope, String lastEventId, boolean stalled) {
        return subscribe(hub, topics, envelope, lastEventId, stalled, "test");
    }

    private RecordingOutput subscribe(Hub to, List<String> topics, boolean envelope, String lastEventId,
            boolean stalled, String address) {
        return subscribe(to, topics, envelope, lastEventId, stalled, address, Listeners.anyone());
    }

    private RecordingOutput subscribe(List<String> topics, Access.Listener listener) {
        return subscribe(hub, topics, false, null, false, "test", listener);
    }

    private RecordingOutput subscribe(Hub to, List<String> topics, boolean envelope, String lastEventId,
            boolean stalled, String address, Access.Listener listener) {
        RecordingOutput sink = new RecordingOutput(container, stalled);
        outputs.add(sink);
        Hub.Admission admission = to.subscribe(Subscription.of(topics, String.valueOf(envelope), lastEventId, null, 64),
                address, listener, sink, sink::end);
        if (admission.subscriber() == null) {
            throw new RefusedForTest(admission.refusal());
        }
        admission.subscriber().start();
        return sink;
    }

    private static final class RefusedForTest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient ConnectionLimits.Refusal refusal;

        RefusedForTest(ConnectionLimits.Refusal refusal) {
            super(refusal.toString());
            this.refusal = refusal;
        }
    }

    private String publish(String topic, String data) {
        return hub.publish(new EventDraft(topic, "message", data, null), null).id().toString();
    }

    private static boolean named(RecordingOutput.Written event, String name) {
        return name.equals(event.name());
    }

    @Test
    void streamStartsWithWelcomeThenReadyAtTheNewestId() throws InterruptedException {
        RecordingOutput sink = subscribe(List.of("orders"), false, null);

        RecordingOutput.Written welcome = sink.next();
        assertEquals("welcome", welcome.name());
        assertEquals(3000L, welcome.retry());
        assertNull(welcome.id());
        assertTrue(welcome.data().matches("\\{\"clientId\":\"[A-Za-z0-9_-]{10}\",\"topics\":\\[\"orders\"]}"),
                (String) welcome.data());
        RecordingOutput.Written ready = sink.next();
        assertEquals("ready", ready.name());
        assertTrue(ready.id().endsWith("-0"), ready.id());
        assertEquals("{\"replayed\":0,\"retained\":0}", ready.data());
    }

    @Test
    void welcomeCarriesWhenTheStreamsTokenExpiresInEpochMilliseconds() throws InterruptedException {
        Instant exp = Instant.ofEpochSecond(Instant.now().getEpochSecond() + 600);
        RecordingOutput sink = subscribe(List.of("user/alice"),
                Listeners.token("alice", List.of("user/alice"), List.of("user/*"), exp));

        RecordingOutput.Written welcome = sink.next();
        assertEquals("welcome", welcome.name());
        assertTrue(welcome.data().matches("\\{\"clientId\":\"[A-Za-z0-9_-]{10}\",\"topics\":\\[\"user/alice\"],"
                + "\"expiresAt\":" + exp.toEpochMilli() + "}"), (String) welcome.data());
    }

    @Test
    void deliversTopicEventsOnlyToThatTopicAndUntopicedEventsToEveryone() throws InterruptedException {
        RecordingOutput orders = subscribe(List.of("orders"), false, null);
        RecordingOutput likes = subscribe(List.of("likes"), false, null);
        orders.until(e -> named(e, "ready"));
        likes.until(e -> named(e, "ready"));

        String first = publish("orders", "1");
        String second = publish(null, "2");

        assertEquals(first, orders.next().id());
        assertEquals(second, orders.next().id());
        RecordingOutput.Written toLikes = likes.next();
        assertEquals(second, toLikes.id());
        assertEquals("2", toLikes.data());
        likes.assertNothingMore();
    }

    @Test
    void wrapsDataWithItsTopicForEnvelopeClients() throws InterruptedException {
        RecordingOutput sink = subscribe(List.of("orders"), true, null);
        sink.until(e -> named(e, "ready"));

        publish("orders", "{\"n\":1}");
        publish(null, "[true]");

        assertEquals("{\"topic\":\"orders\",\"data\":{\"n\":1}}", sink.next().data());
        assertEquals("{\"topic\":null,\"data\":[true]}", sink.next().data());
    }

    @Test
    void catchUpHasNoGapAndNoDuplicateWhilePublishingContinues() throws Exception {
        String from = publish("t", "0");
        for (int i = 1; i < 50; i++) {
            publish("t", String.valueOf(i));
        }
        Future<String> lastPublished = publisher.submit(() -> {
            String last = null;
            for (int i = 50; i < 400; i++) {
                last = publish(i % 2 == 0 ? "t" : "elsewhere", String.valueOf(i));
            }
            return last;
        });
        RecordingOutput sink = subscribe(List.of("t"), false, from);
        long newest = RunId.parse(lastPublished.get(10, TimeUnit.SECONDS)).orElseThrow().sequence();

        List<Long> received = new ArrayList<>();
        for (RecordingOutput.Written event : sink.until(e -> e.id() != null
                && RunId.parse(e.id()).orElseThrow().sequence() >= newest - 1)) {
            if (!named(event, "ready") && event.id() != null) {
                received.add(RunId.parse(event.id()).orElseThrow().sequence());
            }
        }
        List<Long> expected = new ArrayList<>();
        for (long sequence = 2; sequence <= newest; sequence++) {
            if (sequence <= 51 || sequence % 2 == 1) {
                expected.add(sequence);
            }
        }
        assertEquals(expected, received);
    }

    @Test
    void resetsAClientWhoseIdIsUnknownAndPositionsItAtTheNewest() throws InterruptedException {
        String newest = publish("t", "1");

        RecordingOutput sink = subscribe(List.of("t"), false, "zzzzzzzz-1");

        assertEquals("welcome", sink.next().name());
        RecordingOutput.Written reset = sink.next();
        assertEquals("reset", reset.name());
        assertNull(reset.id());
        assertEquals("{\"lastEventId\":\"zzzzzzzz-1\",\"reason\":\"other-run\"}", reset.data());
        RecordingOutput.Written ready = sink.next();
        assertEquals(newest, ready.id());
        assertEquals("{\"replayed\":0,\"retained\":0}", ready.data());
    }

    @Test
    void disconnectsAStalledClientOnceItsQueueIsFullWithoutHoldingUpOthers() throws InterruptedException {
        RecordingOutput stalled = subscribe(List.of("t"), false, null, true);
        RecordingOutput healthy = subscribe(List.of("t"), false, null);
        healthy.until(e -> named(e, "ready"));

        // the stalled client's socket never drains: its queue fills, and one more event than it holds ends it
        for (int i = 0; i < CONFIG.subscriberQueueSize(); i++) {
            assertEquals(publish("t", String.valueOf(i)), healthy.next().id());
        }
        assertEquals(2, hub.localClientCount(), "dropped before its queue was full");
        assertEquals(false, stalled.isEnded());
        assertEquals(publish("t", "over"), healthy.next().id());

        assertTrue(stalled.awaitEnded(), "the stalled client's request was not ended");
        // the request may be completed a moment before the hub hears of the end
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (hub.localClientCount() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, hub.localClientCount(), "the stalled client was not dropped");
        assertEquals(0, stalled.writtenCount(), "written to while its output was not ready");
    }

    @Test
    void writesWhatQueuedWhileTheSocketWasFullInOneFlush() throws InterruptedException {
        RecordingOutput slow = subscribe(List.of("t"), false, null, true);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(publish("t", String.valueOf(i)));
        }

        slow.unstall();

        List<RecordingOutput.Written> events = slow.until(e -> ids.get(9).equals(e.id()));
        assertEquals(12, events.size(), "welcome, ready and the ten events");
        assertEquals(ids, events.subList(2, 12).stream().map(RecordingOutput.Written::id).toList());
        assertEquals(1, slow.flushCount(), "not coalesced into one write");
    }

    @Test
    void heartbeatsGoOnlyToStreamsThatWereQuietForTheInterval() throws InterruptedException {
        RecordingOutput busy = subscribe(List.of("orders"), false, null);
        RecordingOutput quiet = subscribe(List.of("news"), false, null);
        busy.until(e -> named(e, "ready"));
        quiet.until(e -> named(e, "ready"));
        long subscribed = System.nanoTime();
        while (System.nanoTime() == subscribed) {
            Thread.onSpinWait();
        }
        String id = publish("orders", "1");
        assertEquals(id, busy.next().id());

        // one interval after both subscribed: only the stream that got nothing since is quiet
        Sweep sweep = new Sweep(Clock.systemUTC(), Duration.ofSeconds(CONFIG.heartbeatSeconds()));
        sweep.run(hub.openStreams(), subscribed + TimeUnit.SECONDS.toNanos(CONFIG.heartbeatSeconds()));
        assertEquals("heartbeat", quiet.next().comment());
        busy.assertNothingMore();

        sweep.run(hub.openStreams(), subscribed + 3 * TimeUnit.SECONDS.toNanos(CONFIG.heartbeatSeconds()));
        assertEquals("heartbeat", busy.next().comment());
        assertEquals("heartbeat", quiet.next().comment());
    }

    @Test
    void aRepeatedIdempotencyKeyAnswersTheFirstIdAndDeliversOnce() throws InterruptedException {
        RecordingOutput sink = subscribe(List.of("t"), false, null);
        sink.until(e -> named(e, "ready"));
        EventDraft draft = new EventDraft("t", "message", "{\"n\":1}", null);

        Backbone.Published first = hub.publish(draft, "order-17");
        Backbone.Published again = hub.publish(draft, "order-17");
        Backbone.Published other = hub.publish(draft, "order-18");

        assertEquals(false, first.repeated());
        assertEquals(true, again.repeated());
        assertEquals(first.id(), again.id());
        assertEquals(first.id().toString(), sink.next().id());
        assertEquals(other.id().toString(), sink.next().id());
        sink.assertNothingMore();
        assertThrows(Backbone.IdempotencyKeyReusedException.class,
                () -> hub.publish(new EventDraft("t", "message", "{\"n\":2}", null), "order-17"));
    }

    @Test
    void presenceSubscribersSeeOthersJoinAndLeaveButNotThemselves() throws InterruptedException {
        RecordingOutput watcher = subscribe(List.of("$presence"), false, null);
        watcher.until(e -> named(e, "ready"));
        RecordingOutput visitor = subscribe(List.of("news"), false, null);
        String visitorId = clientId(visitor.next());

        RecordingOutput.Written join = watcher.next();
        assertEquals("join", join.name());
        assertNull(join.id());
        assertEquals("{\"clientId\":\"" + visitorId + "\",\"topics\":[\"news\"]}", join.data());

        RecordingOutput second = subscribe(List.of("$presence"), false, null);
        List<RecordingOutput.Written> opening = second.until(e -> named(e, "ready"));
        assertEquals(2, opening.size());
        List<String> snapshot = List.of(clientId(second.next()), clientId(second.next()));
        assertTrue(snapshot.contains(visitorId), snapshot.toString());
        second.assertNothingMore();
        assertEquals("join", watcher.next().name());

        hub.clients(10).clients().stream().filter(c -> c.clientId().equals(visitorId)).findFirst().orElseThrow();
        visitor.disconnect();
        publish(null, "wake");
        RecordingOutput.Written leave;
        do {
            leave = watcher.next();
        } while (!named(leave, "leave"));
        assertTrue(leave.data().contains(visitorId));
        // the container gets a grace period to end the request itself after a failed write; then the hub does
        assertEquals(false, visitor.isEnded());
        assertTrue(visitor.awaitEnded());
    }

    @Test
    void closingEndsEveryStreamAndRefusesNewOnes() throws InterruptedException {
        RecordingOutput sink = subscribe(List.of(), false, null);

        sink.until(e -> named(e, "ready"));
        hub.close();

        // a last retry: with a delay spread from herald.retry.ms, then the end
        RecordingOutput.Written last = sink.next();
        assertTrue(last.retry() != null && last.retry() >= CONFIG.retryMs() && last.name() == null, last.toString());
        assertTrue(sink.awaitEnded());
        assertEquals(false, hub.isReady());
        assertThrows(HubClosedException.class, () -> publish(null, "1"));
        assertThrows(HubClosedException.class, () -> subscribe(List.of(), false, null));
    }

    @Test
    void refusesStreamsBeyondTheAddressAndNodeLimitsAndCountsThemFreeAgainWhenTheyEnd() throws InterruptedException {
        Hub small = started(new HeraldConfig(3000, 3600, 1000, 64, 65_536, 1000, null, false, null, null, List.of(),
                new HeraldConfig.Limits(2, 1, 1000, List.of()), List.of(), 3600, 0,
                new HeraldConfig.Batch(100, 1_048_576), 100_000, 1000));
        try {
            RecordingOutput first = subscribe(small, List.of(), false, null, false, "10.0.0.1");
            RefusedForTest sameAddress = assertThrows(RefusedForTest.class,
                    () -> subscribe(small, List.of(), false, null, false, "10.0.0.1"));
            assertEquals(new ConnectionLimits.Refusal(ConnectionLimits.Refusal.Kind.ADDRESS_FULL, 1), sameAddress.refusal);
            subscribe(small, List.of(), false, null, false, "10.0.0.2");
            RefusedForTest full = assertThrows(RefusedForTest.class,
                    () -> subscribe(small, List.of(), false, null, false, "10.0.0.3"));
            assertEquals(new ConnectionLimits.Refusal(ConnectionLimits.Refusal.Kind.NODE_FULL, 2), full.refusal);

            first.until(e -> named(e, "ready"));
            small.kick(clientIdOf(small, "10.0.0.1"));
            assertTrue(first.awaitEnded());
            subscribe(small, List.of(), false, null, false, "10.0.0.1").until(e -> named(e, "ready"));
        } finally {
            small.close();
        }
    }

    private static String clientIdOf(Hub hub, String address) {
        return hub.openStreams().stream().filter(s -> s.client().address().equals(address)).findFirst().orElseThrow()
                .clientId();
    }

    @Test
    void aStalledClientIsEndedOnADeliveryThreadAndOthersSeeItLeave() throws InterruptedException {
        RecordingOutput watcher = subscribe(List.of("$presence"), false, null);
        watcher.until(e -> named(e, "ready"));
        RecordingOutput stalled = subscribe(List.of("t"), false, null, true);
        String stalledId = clientId(watcher.next());

        for (int i = 0; i <= CONFIG.subscriberQueueSize(); i++) {
            publish("t", String.valueOf(i));
        }

        assertTrue(stalled.awaitEnded(), "the stalled client's request was not ended");
        // ended outside the broadcast that found its queue full: on a delivery thread
        assertTrue(stalled.endedBy().startsWith("herald-delivery"), stalled.endedBy());
        RecordingOutput.Written leave = watcher.next();
        assertEquals("leave", leave.name());
        assertTrue(leave.data().contains(stalledId), leave.data());
        assertEquals(1, hub.localClientCount());
    }

    @Test
    void eventsPublishedBeforeTheRuntimeStartedAreCaughtUpOnButNotBroadcast() throws InterruptedException {
        InMemoryBackbone backbone = new InMemoryBackbone(100, 10);
        Hub early = new Hub(CONFIG, Clock.systemUTC(), backbone, delivery, metrics);
        backbone.start(early);
        try {
            String before = early.publish(new EventDraft("t", "message", "1", null), null).id().toString();
            early.runtimeStarted(sse);
            String origin = before.substring(0, before.indexOf('-')) + "-0";
            RecordingOutput sink = subscribe(early, List.of("t"), false, origin, false, "test");

            List<RecordingOutput.Written> opening = sink.until(e -> named(e, "ready"));
            assertEquals(before, opening.get(1).id());
            assertEquals("{\"replayed\":1,\"retained\":0}", opening.get(2).data());
        } finally {
            early.close();
        }
    }

    @Test
    void anEventReachesAStreamOnceHoweverManyOfItsEntriesMatch() throws InterruptedException {
        RecordingOutput all = subscribe(List.of("orders/*", "orders/a", "*"), false, null);
        RecordingOutput enveloped = subscribe(List.of("*", "orders/*"), true, null);
        all.until(e -> named(e, "ready"));
        enveloped.until(e -> named(e, "ready"));

        String first = publish("orders/a", "1");
        String second = publish("orders/a/b", "2");
        String third = publish("news", "3");
        String fourth = publish(null, "4");

        for (String id : List.of(first, second, third, fourth)) {
            assertEquals(id, all.next().id());
        }
        assertEquals("{\"topic\":\"orders/a\",\"data\":1}", enveloped.next().data());
        assertEquals(second, enveloped.next().id());
        assertEquals(third, enveloped.next().id());
        assertEquals(fourth, enveloped.next().id());
        all.assertNothingMore();
        enveloped.assertNothingMore();
    }

    @Test
    void aPrefixWildcardGetsTheTopicsUnderItButNotThePrefixItself() throws InterruptedException {
        RecordingOutput sink = subscribe(List.of("orders/*"), false, null);
        sink.until(e -> named(e, "ready"));

        publish("orders", "0");
        publish("orders-eu/a", "1");
        String under = publish("orders/a", "2");
        String deeper = publish("orders/a/b", "3");

        assertEquals(under, sink.next().id());
        assertEquals(deeper, sink.next().id());
        sink.assertNothingMore();
    }

    @Test
    void aWildcardNeverGetsPresence() throws InterruptedException {
        RecordingOutput sink = subscribe(List.of("*"), false, null);
        sink.until(e -> named(e, "ready"));
        RecordingOutput watcher = subscribe(List.of("$presence", "*"), false, null);
        watcher.until(e -> named(e, "ready"));

        subscribe(List.of("news"), false, null).until(e -> named(e, "ready"));
        String marker = publish("news", "1");

        assertEquals(marker, sink.next().id());
        // who was here, then who came: by name only, and the wildcard adds nothing to either
        assertEquals(List.of("join", "join", "message"),
                watcher.until(e -> marker.equals(e.id())).stream().map(RecordingOutput.Written::name).toList());
        sink.assertNothingMore();
        watcher.assertNothingMore();
    }

    @Test
    void aWildcardDeliversPrivateTopicsOnlyToWhoMayListenToThem() throws InterruptedException {
        List<String> privateTopics = List.of("user/*");
        RecordingOutput anonymous = subscribe(List.of("*"), Listeners.nobody(privateTopics));
        RecordingOutput alice = subscribe(List.of("user/*"), Listeners.token("alice", List.of(), privateTopics));
        RecordingOutput support = subscribe(List.of("*"), Listeners.token("support", List.of("user/*"), privateTopics));
        for (RecordingOutput sink : List.of(anonymous, alice, support)) {
            sink.until(e -> named(e, "ready"));
        }

        String toAlice = publish("user/alice", "1");
        String toBob = publish("user/bob", "2");
        String news = publish("news", "3");

        assertEquals(news, anonymous.next().id());
        assertEquals(toAlice, alice.next().id());
        assertEquals(toAlice, support.next().id());
        assertEquals(toBob, support.next().id());
        assertEquals(news, support.next().id());
        anonymous.assertNothingMore();
        alice.assertNothingMore();
    }

    @Test
    void aWildcardCatchesUpOnceOnEveryTopicItCovers() throws InterruptedException {
        String from = publish("orders/a", "0");
        String a = publish("orders/a", "1");
        String news = publish("news", "2");
        String b = publish("orders/b/c", "3");
        String none = publish(null, "4");

        RecordingOutput orders = subscribe(hub, List.of("orders/*", "orders/a"), false, from, false, "test");
        RecordingOutput all = subscribe(hub, List.of("orders/*", "*", "news"), false, from, false, "test");

        List<RecordingOutput.Written> ordersOpening = orders.until(e -> named(e, "ready"));
        assertEquals(List.of(a, b, none), ordersOpening.subList(1, 4).stream().map(RecordingOutput.Written::id).toList());
        assertEquals("{\"replayed\":3,\"retained\":0}", ordersOpening.get(4).data());
        List<RecordingOutput.Written> allOpening = all.until(e -> named(e, "ready"));
        assertEquals(List.of(a, news, b, none),
                allOpening.subList(1, 5).stream().map(RecordingOutput.Written::id).toList());
        assertEquals("{\"replayed\":4,\"retained\":0}", allOpening.get(5).data());
    }

    @Test
    void presenceAndTheClientListShowAStreamsSubjectAndNoneForOneWithout() throws InterruptedException {
        RecordingOutput watcher = subscribe(List.of("$presence"), false, null);
        watcher.until(e -> named(e, "ready"));
        RecordingOutput alice = subscribe(List.of("news"), Listeners.token("alice", List.of(), List.of()));
        String aliceId = clientId(alice.next());
        RecordingOutput anonymous = subscribe(List.of("news"), Listeners.nobody(List.of()));
        String anonymousId = clientId(anonymous.next());

        assertEquals("{\"clientId\":\"" + aliceId + "\",\"topics\":[\"news\"],\"sub\":\"alice\"}",
                watcher.next().data());
        assertEquals("{\"clientId\":\"" + anonymousId + "\",\"topics\":[\"news\"]}", watcher.next().data());
        List<dev.herald.backbone.ClientInfo> listed = hub.clients(10).clients();
        assertEquals("alice", listed.stream().filter(c -> c.clientId().equals(aliceId)).findFirst().orElseThrow().sub());
        assertNull(listed.stream().filter(c -> c.clientId().equals(anonymousId)).findFirst().orElseThrow().sub());
        assertTrue(dev.herald.json.Json.write(listed).contains("\"sub\":\"alice\""));
        assertEquals(1, dev.herald.json.Json.write(listed).split("\"sub\"", -1).length - 1,
                "a client without a subject has no sub field");
    }

    @Test
    void endingASubjectEndsItsStreamsAsAKickDoesAndTheOthersStay() throws InterruptedException {
        RecordingOutput watcher = subscribe(List.of("$presence"), false, null);
        watcher.until(e -> named(e, "ready"));
        RecordingOutput first = subscribe(List.of("news"), Listeners.token("alice", List.of(), List.of()));
        RecordingOutput second = subscribe(List.of("news"), Listeners.token("alice", List.of(), List.of()));
        RecordingOutput bob = subscribe(List.of("news"), Listeners.token("bob", List.of(), List.of()));
        RecordingOutput anonymous = subscribe(List.of("news"), Listeners.nobody(List.of()));
        for (RecordingOutput sink : List.of(first, second, bob, anonymous)) {
            sink.until(e -> named(e, "ready"));
        }
        watcher.until(e -> named(e, "join") && e.data().contains("\"topics\":[\"news\"]}"));

        assertEquals(2, hub.endSubject("alice", null));

        assertTrue(first.awaitEnded());
        assertTrue(second.awaitEnded());
        List<String> leaves = List.of(watcher.until(e -> named(e, "leave")).get(0).data(),
                watcher.until(e -> named(e, "leave")).get(0).data());
        assertTrue(leaves.stream().allMatch(leave -> leave.endsWith(",\"sub\":\"alice\"}")), leaves.toString());
        String id = publish("news", "\"still here\"");
        assertEquals(id, bob.next().id());
        assertEquals(id, anonymous.next().id());
        assertEquals(0, hub.endSubject("alice", null));
        // without a block, the subject may come back at once
        subscribe(List.of("news"), Listeners.token("alice", List.of(), List.of())).until(e -> named(e, "ready"));
    }

    @Test
    void whatIsKeptOfASubjectIsToldOfItsEndHereAndFromAnotherNodeBeforeItsStreamsEnd() throws InterruptedException {
        RecordingOutput alice = subscribe(List.of("news"), Listeners.token("alice", List.of(), List.of()));
        alice.until(e -> named(e, "ready"));
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Boolean> endedWhenTold = new java.util.concurrent.CopyOnWriteArrayList<>();
        hub.whenSubjectEnds(subject -> {
            told.add(subject);
            endedWhenTold.add(hub.localClientCount() == 0);
        });

        hub.endSubject("alice", null);
        hub.subjectEnded("bob");

        assertEquals(List.of("alice", "bob"), told);
        assertEquals(false, endedWhenTold.get(0), "told before alice's stream ended");
        assertTrue(alice.awaitEnded());
    }

    @Test
    void aBlockedSubjectsNewStreamsAreRefusedUntilTheBlockEndsAndOthersAreNot() throws InterruptedException {
        MovableClock clock = new MovableClock();
        Hub blocking = started(CONFIG, clock);
        try {
            Access.Listener alice = Listeners.token("alice", List.of(), List.of());
            RecordingOutput open = subscribe(blocking, List.of("news"), false, null, false, "test", alice);
            open.until(e -> named(e, "ready"));

            assertEquals(1, blocking.endSubject("alice", Duration.ofSeconds(5)));

            assertTrue(open.awaitEnded());
            Hub.Admission refused = admit(blocking, alice);
            assertEquals(clock.instant().plusSeconds(5), refused.blockedUntil());
            assertNull(refused.subscriber());
            subscribe(blocking, List.of("news"), false, null, false, "test", Listeners.token("bob", List.of(), List.of()))
                    .until(e -> named(e, "ready"));
            subscribe(blocking, List.of("news"), false, null, false, "test", Listeners.nobody(List.of()))
                    .until(e -> named(e, "ready"));
            clock.move(Duration.ofMillis(4999));
            assertEquals(clock.instant().plusMillis(1), admit(blocking, alice).blockedUntil());

            clock.move(Duration.ofMillis(1));
            subscribe(blocking, List.of("news"), false, null, false, "test", alice).until(e -> named(e, "ready"));
        } finally {
            blocking.close();
        }
    }

    @Test
    void aStreamWhoseBlockWasReadJustBeforeItsSubjectWasEndedAndBlockedIsRefused() throws Exception {
        // the in-memory backbone, with its first read of a block held until the test lets it go
        InMemoryBackbone memory = new InMemoryBackbone(CONFIG.historySize(), CONFIG.retainedMaxTopics());
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        Backbone paused = (Backbone) java.lang.reflect.Proxy.newProxyInstance(Backbone.class.getClassLoader(),
                new Class<?>[] {Backbone.class}, (proxy, method, args) -> {
                    Object answer;
                    try {
                        answer = method.invoke(memory, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("blockedUntil") && read.getCount() > 0) {
                        read.countDown();
                        assertTrue(go.await(10, TimeUnit.SECONDS));
                    }
                    return answer;
                });
        Hub racing = new Hub(CONFIG, Clock.systemUTC(), paused, delivery, metrics);
        memory.start(racing);
        racing.runtimeStarted(sse);
        try {
            Future<Hub.Admission> connecting = publisher.submit(
                    () -> admit(racing, Listeners.token("alice", List.of(), List.of())));
            assertTrue(read.await(10, TimeUnit.SECONDS));

            // no stream of alice is registered yet, so the end finds none
            assertEquals(0, racing.endSubject("alice", Duration.ofHours(1)));
            go.countDown();

            Hub.Admission admission = connecting.get(10, TimeUnit.SECONDS);
            assertNull(admission.subscriber(), "a stream slipped past the block");
            assertTrue(admission.blockedUntil() != null);
        } finally {
            go.countDown();
            racing.close();
        }
    }

    /** Asks {@code to} for a stream of {@code listener}, however it answers. */
    private Hub.Admission admit(Hub to, Access.Listener listener) {
        RecordingOutput sink = new RecordingOutput(container, false);
        outputs.add(sink);
        return to.subscribe(Subscription.of(List.of("news"), "false", null, null, 64), "test", listener, sink,
                sink::end);
    }

    private static String clientId(RecordingOutput.Written event) {
        String data = event.data();
        int start = data.indexOf("\"clientId\":\"") + 12;
        return data.substring(start, start + 10);
    }
}
