package dev.herald.backbone.redis;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.herald.backbone.Backbone;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.HeldEvents;
import dev.herald.history.History;
import dev.herald.history.Replay;
import dev.herald.history.RetentionChanges;
import dev.herald.history.StreamId;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What a backbone handed to its hub, in order, and the hub's real history, which decides as a node's does; every
 * wait fails after 10 seconds.
 */
final class RecordingListener implements Backbone.Listener {

    /** The node's history, as the hub keeps it; read it under this listener's lock ({@link #history()}). */
    private final History history;
    final BlockingQueue<HeldEvents> loaded = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> stored = new LinkedBlockingQueue<>();
    final BlockingQueue<Event> presence = new LinkedBlockingQueue<>();
    final BlockingQueue<EventId> lost = new LinkedBlockingQueue<>();

    /** A listener whose history holds three events, without an age limit. */
    RecordingListener() {
        this(3, 0);
    }

    /** With the node's {@code herald.history.size} and {@code herald.history.max-age}. */
    RecordingListener(int historySize, long maxAgeMillis) {
        this.history = new History(StreamId.SCHEME, History.Decisions.SHARED, historySize, maxAgeMillis);
    }

    /** What the history replays to a client of {@code topics} after {@code lastEventId}, now. */
    synchronized Replay after(String lastEventId, Collection<String> topics) {
        return history.after(lastEventId, topics);
    }

    /** The history's newest id, now. */
    synchronized EventId newestId() {
        return history.newestId();
    }

    /** How many events the history holds, now. */
    synchronized int held() {
        return history.size();
    }

    @Override
    public synchronized void held(HeldEvents held) {
        history.restore(held, 0);
        loaded.add(held);
    }

    @Override
    public synchronized void stored(Event event) {
        history.append(event, 0);
        stored.add(event);
    }

    @Override
    public synchronized RetentionChanges retentionChanges() {
        return history.drainChanges();
    }

    @Override
    public synchronized void lost(EventId floor) {
        history.clear(floor);
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
    public synchronized void storedRetained(Event event) {
        retained.add(event);
        retainLog.add("retained " + event.id());
        stored(event);
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

    static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(10, TimeUnit.SECONDS);
        assertNotNull(item, "nothing within 10 s");
        return item;
    }
}
