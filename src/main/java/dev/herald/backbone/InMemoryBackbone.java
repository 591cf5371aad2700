package dev.herald.backbone;

import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.History;
import dev.herald.history.IdScheme;
import dev.herald.history.RunId;
import dev.herald.history.EventDraft;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.Map;

/**
 * One node, nothing shared: ids are {@code run-seq} of a run that starts with the server, and a published event
 * goes straight to this node's hub. History lives in the hub and is lost with the process.
 */
public final class InMemoryBackbone implements Backbone {

    private final String run = RunId.newRun();
    private final IdScheme ids = RunId.scheme(run);
    /** Keys of recent publishes, oldest first; as many as the history holds events (a batch's key counts once). */
    private final Map<String, Remembered> keys;
    private final SubjectBlocks blocks = new SubjectBlocks(SubjectBlocks.MAX_BLOCKS);
    private Listener listener;
    private long sequence;

    private record Remembered(List<EventId> ids, String fingerprint) {
    }

    /** Only for the refusal's message: the hub's retained store holds the bound. */
    private final int maxRetainedTopics;

    public InMemoryBackbone(int historySize, int maxRetainedTopics) {
        this.maxRetainedTopics = maxRetainedTopics;
        this.keys = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
                return size() > historySize;
            }
        };
    }

    @Override
    public IdScheme ids() {
        return ids;
    }

    /** Nothing else holds the events: the hub's history decides. */
    @Override
    public History.Decisions retention() {
        return History.Decisions.HERE;
    }

    @Override
    public synchronized void start(Listener listener) {
        this.listener = listener;
    }

    /**
     * Assigns the next ids and delivers in one step under this monitor, so ids reach the hub in order and a batch's
     * events follow each other with no other publish between them.
     */
    @Override
    public synchronized Published publish(List<EventDraft> drafts, boolean batch, String idempotencyKey) {
        String fingerprint = null;
        if (idempotencyKey != null) {
            fingerprint = IdempotencyKeys.fingerprint(drafts, batch);
            Remembered earlier = keys.get(idempotencyKey);
            if (earlier != null) {
                if (!earlier.fingerprint().equals(fingerprint)) {
                    throw new IdempotencyKeyReusedException();
                }
                return new Published(earlier.ids(), true);
            }
        }
        // asked under this monitor, which every publish and clear takes: nothing can fill the last places meanwhile
        Set<String> retaining = drafts.stream().filter(EventDraft::retain).map(EventDraft::topic)
                .collect(Collectors.toSet());
        if (!retaining.isEmpty() && !listener.mayRetain(retaining)) {
            throw new RetainedFullException(maxRetainedTopics);
        }
        List<Event> events = new ArrayList<>(drafts.size());
        for (EventDraft draft : drafts) {
            events.add(new Event(new RunId(run, ++sequence), draft.topic(), draft.type(), draft.data(),
                    draft.retryMs()));
        }
        List<EventId> ids = events.stream().map(Event::id).toList();
        if (idempotencyKey != null) {
            keys.put(idempotencyKey, new Remembered(ids, fingerprint));
        }
        for (int i = 0; i < events.size(); i++) {
            if (drafts.get(i).retain()) {
                listener.storedRetained(events.get(i));
            } else {
                listener.stored(events.get(i));
            }
        }
        return new Published(ids, false);
    }

    /** The hub holds the retained events; the clear takes this monitor so that it is ordered with publishes. */
    @Override
    public synchronized boolean clearRetained(String topic) {
        return listener.retainedCleared(topic);
    }

    /** Every id this node assigned is in its history already. */
    @Override
    public boolean isStored(EventId id) {
        return false;
    }

    /** There is no other node. */
    @Override
    public boolean sharesPresence() {
        return false;
    }

    @Override
    public void announce(Event presence) {
    }

    @Override
    public void connected(ClientInfo client) {
    }

    @Override
    public void disconnected(ClientInfo client) {
    }

    @Override
    public List<ClientInfo> otherClients(int limit) {
        return List.of();
    }

    @Override
    public long otherClientCount() {
        return 0;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public String node() {
        return "single";
    }

    /** There is no other node. */
    @Override
    public boolean kick(String clientId) {
        return false;
    }

    /** There is no other node. */
    @Override
    public void endSubject(String subject) {
    }

    @Override
    public void blockSubject(String subject, Instant now, Duration duration) {
        blocks.block(subject, now.plus(duration), now);
    }

    @Override
    public Instant blockedUntil(String subject, Instant now) {
        return blocks.until(subject, now);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
