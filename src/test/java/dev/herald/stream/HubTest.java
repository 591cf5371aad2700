package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.config.HeraldConfig;
import dev.herald.history.EventId;
import dev.herald.publish.EventDraft;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HubTest {

    private static final HeraldConfig CONFIG = new HeraldConfig(3000, 3600, 1000, 64, 65_536, 1000);

    private final JerseyEvents sse = new JerseyEvents();
    private final Hub hub = new Hub(CONFIG, Clock.systemUTC());
    private final ExecutorService publisher = Executors.newSingleThreadExecutor();

    @AfterEach
    void close() throws InterruptedException {
        hub.close();
        publisher.shutdownNow();
        assertTrue(publisher.awaitTermination(5, TimeUnit.SECONDS));
    }

    private RecordingSink subscribe(List<String> topics, boolean envelope, String lastEventId) {
        RecordingSink sink = RecordingSink.reading();
        hub.subscribe(Subscription.of(topics, String.valueOf(envelope), lastEventId, null, 64), sink, sse);
        return sink;
    }

    private String publish(String topic, String data) {
        return hub.publish(new EventDraft(topic, "message", data, null), sse).id().toString();
    }

    private static boolean named(OutboundSseEvent event, String name) {
        return name.equals(event.getName());
    }

    @Test
    void streamStartsWithWelcomeThenReadyAtTheNewestId() throws InterruptedException {
        RecordingSink sink = subscribe(List.of("orders"), false, null);

        OutboundSseEvent welcome = sink.next();
        assertEquals("welcome", welcome.getName());
        assertEquals(3000, welcome.getReconnectDelay());
        assertNull(welcome.getId());
        assertTrue(((String) welcome.getData()).matches("\\{\"clientId\":\"[A-Za-z0-9_-]{10}\",\"topics\":\\[\"orders\"]}"),
                (String) welcome.getData());
        OutboundSseEvent ready = sink.next();
        assertEquals("ready", ready.getName());
        assertTrue(ready.getId().endsWith("-0"), ready.getId());
        assertEquals("{\"replayed\":0}", ready.getData());
    }

    @Test
    void deliversTopicEventsOnlyToThatTopicAndUntopicedEventsToEveryone() throws InterruptedException {
        RecordingSink orders = subscribe(List.of("orders"), false, null);
        RecordingSink likes = subscribe(List.of("likes"), false, null);
        orders.until(e -> named(e, "ready"));
        likes.until(e -> named(e, "ready"));

        String first = publish("orders", "1");
        String second = publish(null, "2");

        assertEquals(first, orders.next().getId());
        assertEquals(second, orders.next().getId());
        OutboundSseEvent toLikes = likes.next();
        assertEquals(second, toLikes.getId());
        assertEquals("2", toLikes.getData());
        likes.assertNothingMore();
    }

    @Test
    void wrapsDataWithItsTopicForEnvelopeClients() throws InterruptedException {
        RecordingSink sink = subscribe(List.of("orders"), true, null);
        sink.until(e -> named(e, "ready"));

        publish("orders", "{\"n\":1}");
        publish(null, "[true]");

        assertEquals("{\"topic\":\"orders\",\"data\":{\"n\":1}}", sink.next().getData());
        assertEquals("{\"topic\":null,\"data\":[true]}", sink.next().getData());
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
        RecordingSink sink = subscribe(List.of("t"), false, from);
        long newest = EventId.parse(lastPublished.get(10, TimeUnit.SECONDS)).orElseThrow().sequence();

        List<Long> received = new ArrayList<>();
        for (OutboundSseEvent event : sink.until(e -> e.getId() != null
                && EventId.parse(e.getId()).orElseThrow().sequence() >= newest - 1)) {
            if (!named(event, "ready") && event.getId() != null) {
                received.add(EventId.parse(event.getId()).orElseThrow().sequence());
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

        RecordingSink sink = subscribe(List.of("t"), false, "zzzzzzzz-1");

        assertEquals("welcome", sink.next().getName());
        OutboundSseEvent reset = sink.next();
        assertEquals("reset", reset.getName());
        assertNull(reset.getId());
        assertEquals("{\"lastEventId\":\"zzzzzzzz-1\",\"reason\":\"other-run\"}", reset.getData());
        OutboundSseEvent ready = sink.next();
        assertEquals(newest, ready.getId());
        assertEquals("{\"replayed\":0}", ready.getData());
    }

    @Test
    void disconnectsAStalledClientOnceItsQueueIsFullWithoutHoldingUpOthers() throws InterruptedException {
        RecordingSink stalled = RecordingSink.stalled();
        hub.subscribe(Subscription.of(List.of("t"), null, null, null, 64), stalled, sse);
        RecordingSink healthy = subscribe(List.of("t"), false, null);
        healthy.until(e -> named(e, "ready"));

        // the stalled client's writer is stuck on its first event; one more than its queue holds ends it
        for (int i = 0; i <= CONFIG.subscriberQueueSize() + 1; i++) {
            String id = publish("t", String.valueOf(i));
            assertEquals(id, healthy.next().getId());
        }

        assertEquals(1, hub.clientCount(), "the stalled client was not dropped");
        assertEquals(false, stalled.isClosed(), "closed while a write was still in progress");
        stalled.unstall();
        assertTrue(stalled.awaitClosed(), "not closed once its write returned");
        assertEquals(1, stalled.writtenCount(), "only the write that was in progress");
    }

    @Test
    void presenceSubscribersSeeOthersJoinAndLeaveButNotThemselves() throws InterruptedException {
        RecordingSink watcher = subscribe(List.of("$presence"), false, null);
        watcher.until(e -> named(e, "ready"));
        RecordingSink visitor = subscribe(List.of("news"), false, null);
        String visitorId = clientId(visitor.next());

        OutboundSseEvent join = watcher.next();
        assertEquals("join", join.getName());
        assertNull(join.getId());
        assertEquals("{\"clientId\":\"" + visitorId + "\",\"topics\":[\"news\"]}", join.getData());

        RecordingSink second = subscribe(List.of("$presence"), false, null);
        List<OutboundSseEvent> opening = second.until(e -> named(e, "ready"));
        assertEquals(2, opening.size());
        List<String> snapshot = List.of(clientId(second.next()), clientId(second.next()));
        assertTrue(snapshot.contains(visitorId), snapshot.toString());
        second.assertNothingMore();
        assertEquals("join", watcher.next().getName());

        hub.clients(10).stream().filter(c -> c.clientId().equals(visitorId)).findFirst().orElseThrow();
        visitor.disconnect();
        publish(null, "wake");
        assertTrue(visitor.awaitClosed());
        OutboundSseEvent leave;
        do {
            leave = watcher.next();
        } while (!named(leave, "leave"));
        assertTrue(((String) leave.getData()).contains(visitorId));
    }

    @Test
    void closingEndsEveryStreamAndRefusesNewOnes() throws InterruptedException {
        RecordingSink sink = subscribe(List.of(), false, null);

        hub.close();

        assertTrue(sink.awaitClosed());
        assertEquals(false, hub.isReady());
        assertThrows(HubClosedException.class, () -> publish(null, "1"));
        assertThrows(HubClosedException.class, () -> subscribe(List.of(), false, null));
    }

    private static String clientId(OutboundSseEvent event) {
        String data = (String) event.getData();
        int start = data.indexOf("\"clientId\":\"") + 12;
        return data.substring(start, start + 10);
    }
}
