package dev.herald.backbone.redis;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.herald.backbone.Backbone;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What a backbone handed to its hub, in order; every wait fails after 10 seconds. */
final class RecordingListener implements Backbone.Listener {

    record Retained(EventId floor, List<Event> events) {
    }

    final BlockingQueue<Retained> retained = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> stored = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> presence = new LinkedBlockingQueue<>();
    final BlockingQueue<EventId> lost = new LinkedBlockingQueue<>();

    @Override
    public void retained(EventId floor, List<Event> events) {
        retained.add(new Retained(floor, events));
    }

    @Override
    public void stored(Event event) {
        stored.add(event);
    }

    @Override
    public void lost(EventId floor) {
        lost.add(floor);
    }

    final BlockingQueue<String> kicked = new LinkedBlockingQueue<>();

    @Override
    public void kicked(String clientId) {
        kicked.add(clientId);
    }

    @Override
    public void backboneFailed() {
    }

    @Override
    public void presence(Event event) {
        presence.add(event);
    }

    static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(10, TimeUnit.SECONDS);
        assertNotNull(item, "nothing within 10 s");
        return item;
    }
}
