package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.auth.Listeners;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.InMemoryBackbone;
import dev.herald.config.HeraldConfig;
import dev.herald.history.EventDraft;
import dev.herald.history.RetainedEvents;
import dev.herald.history.RunId;
import dev.herald.metrics.HeraldMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retained events on an in-memory hub: where they come in a stream's opening, their bounds, and no gap or duplicate. */
class HubRetainedTest {

    /** At most 3 topics with a retained event, at most 2 of them on one stream. */
    private static final HeraldConfig CONFIG = new HeraldConfig(3000, 3600, 1000, 64, 65_536, 1000, null, false, null,
            null, List.of(), new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
            new HeraldConfig.Batch(100, 1_048_576), 3, 2);

    private final JerseyEvents sse = new JerseyEvents();
    private final HeraldMetrics metrics = new HeraldMetrics("single");
    private final Delivery delivery = Delivery.withOwnThreads(metrics);
    private final Hub hub = started(CONFIG);
    private final ExecutorService publisher = Executors.newSingleThreadExecutor();
    private final ExecutorService container = Executors.newCachedThreadPool();
    private final List<RecordingOutput> outputs = new ArrayList<>();

    private Hub started(HeraldConfig config) {
        InMemoryBackbone backbone = new InMemoryBackbone(config.historySize(), config.retainedMaxTopics());
        Hub started = new Hub(config, Clock.systemUTC(), backbone, delivery, metrics);
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

    private RecordingOutput subscribe(Hub to, List<String> topics, String lastEventId) {
        RecordingOutput sink = new RecordingOutput(container, false);
        outputs.add(sink);
        Hub.Admission admission = to.subscribe(Subscription.of(topics, "false", lastEventId, null, 64), "test", Listeners.anyone(),
                sink, sink::end);
        admission.subscriber().start();
        return sink;
    }

    private RecordingOutput subscribe(List<String> topics, String lastEventId) {
        return subscribe(hub, topics, lastEventId);
    }

    private String publish(String topic, String data, boolean retain) {
        return hub.publish(new EventDraft(topic, "message", data, null, retain), null).id().toString();
    }

    private static List<String> names(List<RecordingOutput.Written> opening) {
        return opening.stream().map(e -> e.name() == null ? "message" : e.name()).toList();
    }

    @Test
    void aNewStreamGetsItsTopicsRetainedEventsOldestFirstBetweenWelcomeAndReady() throws InterruptedException {
        String a = publish("a", "1", true);
        publish("b", "2", true);
        String newerA = publish("a", "3", true);
        publish("a", "4", false);
        String c = publish("c", "5", true);

        List<RecordingOutput.Written> opening = subscribe(List.of("c", "a", "elsewhere"), null)
                .until(e -> "ready".equals(e.name()));

        assertEquals(List.of("welcome", "message", "message", "ready"), names(opening));
        assertEquals(List.of(newerA, c), List.of(opening.get(1).id(), opening.get(2).id()), "not " + a);
        assertEquals("3", opening.get(1).data());
        assertEquals("{\"replayed\":0,\"retained\":2}", opening.get(3).data());
        assertEquals(c, opening.get(3).id());
    }

    @Test
    void aResetStreamGetsThemAfterTheResetAndAnExactCatchUpDoesNot() throws InterruptedException {
        String first = publish("a", "1", true);
        String second = publish("a", "2", false);

        List<RecordingOutput.Written> reset = subscribe(List.of("a"), "zzzzzzzz-1").until(e -> "ready".equals(e.name()));
        List<RecordingOutput.Written> exact = subscribe(List.of("a"), first).until(e -> "ready".equals(e.name()));

        assertEquals(List.of("welcome", "reset", "message", "ready"), names(reset));
        assertEquals(first, reset.get(2).id());
        assertEquals("{\"replayed\":0,\"retained\":1}", reset.get(3).data());
        assertEquals(List.of("welcome", "message", "ready"), names(exact));
        assertEquals(second, exact.get(1).id());
        assertEquals("{\"replayed\":1,\"retained\":0}", exact.get(2).data());
    }

    @Test
    void aStreamGetsAtMostTheNewestRetainedPerStreamAndReadySaysSomeWereLeftOut() throws InterruptedException {
        publish("a", "1", true);
        String b = publish("b", "2", true);
        String c = publish("c", "3", true);

        List<RecordingOutput.Written> opening = subscribe(List.of("a", "b", "c"), null)
                .until(e -> "ready".equals(e.name()));

        assertEquals(List.of(b, c), List.of(opening.get(1).id(), opening.get(2).id()));
        assertEquals("{\"replayed\":0,\"retained\":2,\"retainedTruncated\":true}", opening.get(3).data());
    }

    @Test
    void aRetainBeyondTheBoundIsRefusedAndPublishesNothingButAReplacementIsNot() throws InterruptedException {
        RecordingOutput live = subscribe(List.of("a", "d"), null);
        live.until(e -> "ready".equals(e.name()));
        publish("a", "1", true);
        publish("b", "2", true);
        String third = publish("c", "3", true);

        assertThrows(Backbone.RetainedFullException.class, () -> publish("d", "4", true));
        String replaced = publish("a", "5", true);
        String notRetained = publish("d", "6", false);

        assertEquals(RunId.parse(third).orElseThrow().sequence() + 1, RunId.parse(replaced).orElseThrow().sequence(),
                "the refused publish used up an id");
        assertEquals("1", live.next().data());
        assertEquals(replaced, live.next().id());
        assertEquals(notRetained, live.next().id());
        live.assertNothingMore();
        assertTrue(hub.clearRetained("b"));
        assertFalse(hub.clearRetained("b"));
        publish("d", "7", true);
    }

    @Test
    void aClearedRetainedEventNoLongerOpensAStream() throws InterruptedException {
        publish("a", "1", true);
        hub.clearRetained("a");

        List<RecordingOutput.Written> opening = subscribe(List.of("a"), null).until(e -> "ready".equals(e.name()));

        assertEquals(List.of("welcome", "ready"), names(opening));
        assertEquals(RetainedEvents.Selection.NONE, hub.retained(RetainedEvents.Wanted.named(List.of("a"))));
    }

    /**
     * Every publish retains, on three topics, while streams open: each stream gets, per topic, the retained event of
     * its opening or none, then every later event of that topic live, each once.
     */
    @Test
    void retainedEventsPublishedWhileStreamsOpenArriveOnceWithoutAGap() throws Exception {
        Hub wide = started(new HeraldConfig(3000, 3600, 1000, 64, 65_536, 100_000, null, false, null, null, List.of(),
                new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
                new HeraldConfig.Batch(100, 1_048_576), 10, 10));
        try {
            List<String> topics = List.of("x", "y", "z");
            Map<String, List<Long>> published = new HashMap<>();
            topics.forEach(topic -> published.put(topic, new ArrayList<>()));
            Future<?> publishing = publisher.submit(() -> {
                for (int i = 0; i < 600; i++) {
                    String topic = topics.get(i % 3);
                    String id = wide.publish(new EventDraft(topic, "message", "\"" + topic + "\"", null, true), null)
                            .id().toString();
                    synchronized (published) {
                        published.get(topic).add(RunId.parse(id).orElseThrow().sequence());
                    }
                }
                return null;
            });
            List<RecordingOutput> streams = new ArrayList<>();
            while (!publishing.isDone() && streams.size() < 200) {
                streams.add(subscribe(wide, topics, null));
            }
            publishing.get(10, TimeUnit.SECONDS);
            String last = wide.publish(new EventDraft(null, "message", "\"end\"", null), null).id().toString();

            for (RecordingOutput stream : streams) {
                Map<String, List<Long>> received = new HashMap<>();
                Set<String> seen = new HashSet<>();
                for (RecordingOutput.Written event : stream.until(e -> last.equals(e.id()))) {
                    if (event.id() != null && !"ready".equals(event.name()) && !last.equals(event.id())) {
                        assertTrue(seen.add(event.id()), "twice: " + event.id());
                        String topic = event.data().replace("\"", "");
                        received.computeIfAbsent(topic, t -> new ArrayList<>())
                                .add(RunId.parse(event.id()).orElseThrow().sequence());
                    }
                }
                for (String topic : topics) {
                    List<Long> all = published.get(topic);
                    List<Long> got = received.getOrDefault(topic, List.of());
                    assertFalse(got.isEmpty(), "nothing of " + topic);
                    assertEquals(all.subList(all.indexOf(got.get(0)), all.size()), got, "a gap in " + topic);
                }
            }
            assertTrue(streams.size() > 1, "no stream opened while publishing");
        } finally {
            wide.close();
        }
    }
}
