package dev.herald.backbone.redis;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.herald.backbone.Backbone;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.Evicted;
import dev.herald.history.HeldEvents;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What a backbone handed to its hub, in order; every wait fails after 10 seconds. */
final class RecordingListener implements Backbone.Listener {

    record Loaded(HeldEvents held, EventId newest) {
    }

    final BlockingQueue<Loaded> loaded = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> stored = new LinkedBlockingQueue<>();
    /** What each stored event's publish evicted, in the same order as {@link #stored}. */
    final BlockingQueue<List<Evicted>> evicted = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> presence = new LinkedBlockingQueue<>();
    final BlockingQueue<EventId> lost = new LinkedBlockingQueue<>();

    @Override
    public void held(HeldEvents held, EventId newest) {
        loaded.add(new Loaded(held, newest));
    }

    @Override
    public void stored(Event event, List<Evicted> evictedForIt) {
        stored.add(event);
        evicted.add(evictedForIt);
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

    final BlockingQueue<String> subjectsEnded = new LinkedBlockingQueue<>();

    @Override
    public void subjectEnded(String subject) {
        subjectsEnded.add(subject);
    }

    @Override
    public void backboneFailed() {
    }

    @Override
    public void presence(Event event) {
        presence.add(event);
    }

    /** Events stored as their topic's retained event; also in {@link #stored}. */
    final BlockingQueue<Event> retained = new LinkedBlockingQueue<>();
    final BlockingQueue<String> cleared = new LinkedBlockingQueue<>();

    /** Retains ({@code retained <id>}) and clears ({@code cleared <topic>}) in the order they arrived. */
    final BlockingQueue<String> retainLog = new LinkedBlockingQueue<>();

    @Override
    public void storedRetained(Event event, List<Evicted> evictedForIt) {
        retained.add(event);
        retainLog.add("retained " + event.id());
        stored(event, evictedForIt);
    }

    /** Redis decides the bound of retained topics itself: it never asks. */
    @Override
    public boolean mayRetain(Set<String> topics) {
        throw new AssertionError("Redis asked the node whether " + topics + " may be retained");
    }

    @Override
    public boolean retainedCleared(String topic) {
        cleared.add(topic);
        retainLog.add("cleared " + topic);
        return true;
    }

    /** The retained events read again after a loss, each time. */
    final BlockingQueue<List<Event>> reloaded = new LinkedBlockingQueue<>();

    @Override
    public void retainedReloaded(List<Event> retainedNow) {
        reloaded.add(retainedNow);
    }

    static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(10, TimeUnit.SECONDS);
        assertNotNull(item, "nothing within 10 s");
        return item;
    }
}
