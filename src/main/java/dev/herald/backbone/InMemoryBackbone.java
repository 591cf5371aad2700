package dev.herald.backbone;

import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.History;
import dev.herald.history.IdScheme;
import dev.herald.history.RunId;
import dev.herald.history.EventDraft;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node, nothing shared: ids are {@code run-seq} of a run that starts with the server, and a published event
 * goes straight to this node's hub. History lives in the hub and is lost with the process.
 */
public final class InMemoryBackbone implements Backbone {

    private final String run = RunId.newRun();
    private final IdScheme ids = RunId.scheme(run);
    /** Keys of recent publishes, oldest first; as many as the history holds events, so at least its window. */
    private final Map<String, Remembered> keys;
    private Listener listener;
    private long sequence;

    private record Remembered(EventId id, String fingerprint) {
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

    /** Assigns the next id and delivers in one step, so ids reach the hub in order. */
    @Override
    public synchronized Published publish(EventDraft draft, String idempotencyKey) {
        String fingerprint = null;
        if (idempotencyKey != null) {
            fingerprint = IdempotencyKeys.fingerprint(draft);
            Remembered earlier = keys.get(idempotencyKey);
            if (earlier != null) {
                if (!earlier.fingerprint().equals(fingerprint)) {
                    throw new IdempotencyKeyReusedException();
                }
                return new Published(earlier.id(), true);
            }
        }
        // asked under this monitor, which every publish and clear takes: nothing can fill the last place meanwhile
        if (draft.retain() && !listener.mayRetain(draft.topic())) {
            throw new RetainedFullException(maxRetainedTopics);
        }
        Event event = new Event(new RunId(run, ++sequence), draft.topic(), draft.type(), draft.data(), draft.retryMs());
        if (idempotencyKey != null) {
            keys.put(idempotencyKey, new Remembered(event.id(), fingerprint));
        }
        if (draft.retain()) {
            listener.storedRetained(event, List.of());
        } else {
            listener.stored(event, List.of());
        }
        return new Published(event.id(), false);
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

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
