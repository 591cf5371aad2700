package dev.herald.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.history.Event;
import dev.herald.history.EventDraft;
import dev.herald.history.EventId;
import dev.herald.history.HeldEvents;
import dev.herald.history.RetentionChanges;
import dev.herald.history.RunId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InMemoryBackboneTest {

    private final List<Event> stored = Collections.synchronizedList(new ArrayList<>());
    private final InMemoryBackbone backbone = new InMemoryBackbone(100, 100);

    InMemoryBackboneTest() {
        backbone.start(new Backbone.Listener() {
            @Override
            public void held(HeldEvents held) {
            }

            @Override
            public void stored(Event event) {
                stored.add(event);
            }

            @Override
            public void storedRetained(Event event) {
                stored.add(event);
            }

            @Override
            public RetentionChanges retentionChanges() {
                throw new AssertionError("the memory backbone stores no decisions");
            }

            @Override
            public boolean mayRetain(Set<String> topics) {
                return true;
            }

            @Override
            public boolean retainedCleared(String topic) {
                return false;
            }

            @Override
            public void lost(EventId floor) {
            }

            @Override
            public void presence(Event presence) {
            }

            @Override
            public void kicked(String clientId) {
            }

            @Override
            public void subjectEnded(String subject) {
            }

            @Override
            public void backboneFailed() {
            }
        });
    }

    private static List<EventDraft> batch(String name, int size) {
        return IntStream.range(0, size).mapToObj(i -> new EventDraft("t", "message", "\"" + name + i + "\"", null))
                .toList();
    }

    private static long sequence(EventId id) {
        return ((RunId) id).sequence();
    }

    @Test
    void aBatchIsStoredInOrderUnderConsecutiveIds() {
        backbone.publish(new EventDraft(null, "message", "0", null), null);
        Backbone.Published published = backbone.publish(batch("b", 3), true, null);

        assertEquals(List.of(2L, 3L, 4L), published.ids().stream().map(InMemoryBackboneTest::sequence).toList());
        assertEquals(published.ids(), stored.subList(1, 4).stream().map(Event::id).toList());
        assertEquals(List.of("\"b0\"", "\"b1\"", "\"b2\""), stored.subList(1, 4).stream().map(Event::data).toList());
    }

    @Test
    void batchesPublishedAtOnceFromManyThreadsAreNeverInterleaved() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<Backbone.Published>> sent = new ArrayList<>();
            for (int t = 0; t < 40; t++) {
                String name = "t" + t + "-";
                sent.add(threads.submit(() -> backbone.publish(batch(name, 25), true, null)));
            }
            for (Future<Backbone.Published> published : sent) {
                List<EventId> ids = published.get(10, TimeUnit.SECONDS).ids();
                for (int i = 1; i < ids.size(); i++) {
                    assertEquals(sequence(ids.get(i - 1)) + 1, sequence(ids.get(i)));
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1000, stored.size());
        for (int i = 0; i < stored.size(); i += 25) {
            String batchName = stored.get(i).data().replaceAll("[0-9]+\"$", "");
            for (int j = 0; j < 25; j++) {
                assertEquals(batchName + j + "\"", stored.get(i + j).data());
            }
        }
    }

    @Test
    void aRepeatedKeyAnswersTheBatchsIdsAndStoresNothing() {
        Backbone.Published first = backbone.publish(batch("b", 3), true, "key");
        Backbone.Published again = backbone.publish(batch("b", 3), true, "key");

        assertFalse(first.repeated());
        assertTrue(again.repeated());
        assertEquals(first.ids(), again.ids());
        assertEquals(3, stored.size());
    }

    @Test
    void aKeyIsNotReusedBetweenASingleEventAndABatchOfIt() {
        EventDraft draft = batch("b", 1).get(0);
        backbone.publish(draft, "single");
        backbone.publish(List.of(draft), true, "batch");

        Class<Backbone.IdempotencyKeyReusedException> reused = Backbone.IdempotencyKeyReusedException.class;
        assertThrows(reused, () -> backbone.publish(List.of(draft), true, "single"));
        assertThrows(reused, () -> backbone.publish(draft, "batch"));
        assertThrows(reused, () -> backbone.publish(batch("b", 2), true, "batch"));
        assertEquals(2, stored.size());
    }
}
