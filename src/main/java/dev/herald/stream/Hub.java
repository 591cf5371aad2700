package dev.herald.stream;

import dev.herald.auth.Access;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.ClientInfo;
import dev.herald.config.HeraldConfig;
import dev.herald.history.Event;
import dev.herald.history.EventDraft;
import dev.herald.history.EventId;
import dev.herald.history.HeldEvents;
import dev.herald.history.RetentionChanges;
import dev.herald.history.History;
import dev.herald.history.Replay;
import dev.herald.history.RetainedEvents;
import dev.herald.metrics.HeraldMetrics;
import jakarta.servlet.ServletOutputStream;
import jakarta.ws.rs.sse.Sse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one owner of this node's shared state: the history as this node has seen it, the connected subscribers and
 * their routes. Events reach it from the {@link Backbone}, in id order, and go to history and subscribers under
 * one lock, which subscribing takes too: an event is either in a new subscriber's catch-up or in its live queue,
 * never in both and never in neither.
 *
 * <p>Lock order: the in-memory backbone's monitor (a publish hands its event over while holding it), then this
 * hub's lock, then a subscriber's. So the hub never publishes to the backbone while holding its lock, and no
 * subscriber calls the hub while holding its own. A stream's end reaches {@link #ended} on a thread that holds
 * neither lock: never from inside a broadcast.
 */
public final class Hub implements AutoCloseable, Backbone.Listener {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());
    /** How long a subscriber waits for this node to receive an id another node already sent it. */
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(5);
    /** How long a shutdown waits for the streams' last retry: lines to be written; a stalled client is not waited for. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(3);

    private final HeraldConfig config;
    private final Clock clock;
    private final Backbone backbone;
    private final Delivery delivery;
    private final HeraldMetrics metrics;
    private final Presence presence;
    private final ClientIds clientIds = new ClientIds();

    private final Object lock = new Object();
    // guarded by lock
    private final History history;
    private final RetainedEvents retained;
    private final Routes routes = new Routes();
    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    private final ConnectionLimits limits;
    /** Built with the runtime's {@code Sse} once it has started; until then events only go to the history. */
    private OutboundEvents events;
    /** Set once, under the lock, when the hub starts to close; volatile so a publish may read it without the lock. */
    private volatile boolean closed;
    /**
     * How many times a subject's streams were ended here (by this node or another): changed under the lock, read
     * without it by a subscribe that checks its subject's block first, so that it can tell one ran meanwhile.
     */
    private volatile long subjectEnds;
    private final List<Consumer<String>> subjectEndWatchers = new CopyOnWriteArrayList<>();

    /** A hub that receives nothing until {@code backbone.start(hub)}, and delivers nothing until {@link #runtimeStarted}. */
    public Hub(HeraldConfig config, Clock clock, Backbone backbone, Delivery delivery, HeraldMetrics metrics) {
        this.config = config;
        this.clock = clock;
        this.backbone = backbone;
        this.delivery = delivery;
        this.metrics = metrics;
        this.presence = new Presence(backbone);
        this.history = new History(backbone.ids(), backbone.retention(), config.historySize(), config.historyMaxAgeSeconds() * 1000L);
        metrics.gauge("herald.history.events", "events held for catch-up on this node", history::size);
        for (History.Eviction reason : History.Eviction.values()) {
            metrics.counter("herald.history.evictions", "events no longer held for catch-up, by reason", "reason",
                    reason.name().toLowerCase(Locale.ROOT), () -> history.evicted(reason));
        }
        this.retained = new RetainedEvents(config.retainedMaxTopics());
        metrics.gauge("herald.retained.topics", "topics that have a retained event", retained::size);
        this.limits = new ConnectionLimits(config.limits());
    }

    /** The JAX-RS runtime has started: events are built with its {@code Sse} from now on. */
    public void runtimeStarted(Sse sse) {
        synchronized (lock) {
            if (events == null) {
                events = new OutboundEvents(sse);
            }
        }
    }

    /** Which backbone runs: {@code memory} or {@code redis}. */
    public String backboneName() {
        return backbone.name();
    }

    /**
     * A new stream, or why this node does not take it: beyond its connection limits ({@code refusal}), or its
     * subject's new streams are refused until {@code blockedUntil}.
     */
    record Admission(Subscriber subscriber, ConnectionLimits.Refusal refusal, Instant blockedUntil) {

        static Admission of(Subscriber subscriber) {
            return new Admission(subscriber, null, null);
        }

        static Admission refused(ConnectionLimits.Refusal refusal) {
            return new Admission(null, refusal, null);
        }

        static Admission blocked(Instant until) {
            return new Admission(null, null, until);
        }
    }

    /**
     * Registers a stream that will write to {@code out} once started: welcome, the catch-up or a reset, the retained
     * events of its topics (unless the catch-up was exact: it had them), ready, then live events, of the topics its
     * entries deliver ({@link TopicEntries#delivers}: its names, and what its wildcards cover that {@code listener}
     * may listen to). {@code complete} completes the request. It ends at its token's expiry, if any. Refused beyond
     * this node's connection limits, and while its token's subject is blocked ({@link #endSubject}); a stream without
     * a subject costs no look-up of blocks.
     *
     * @throws HubClosedException when the hub is shutting down
     * @throws Backbone.UnavailableException when the catch-up needs the backbone and it cannot be reached
     */
    Admission subscribe(Subscription subscription, String address, Access.Listener listener, ServletOutputStream out,
            Runnable complete) {
        if (subscription.lastEventId() != null) {
            awaitStored(subscription.lastEventId());
        }
        List<ClientInfo> elsewhere = subscription.presence() ? presence.elsewhere() : List.of();
        TopicEntries entries = TopicEntries.of(subscription.topics(), listener);
        Instant expiresAt = listener.expiresAt();
        String subject = listener.caller().subject();
        while (true) {
            long endsSeen = subjectEnds;
            Instant now = clock.instant();
            Instant blockedUntil = subject == null ? null : blockedUntil(subject, now);
            if (blockedUntil != null) {
                return Admission.blocked(blockedUntil);
            }
            Client client = new Client(clientIds.next(), subscription.topics(), subscription.envelope(), address,
                    now, expiresAt, endsAt(now), subject);
            Subscriber subscriber = new Subscriber(client, out, complete, delivery, config.subscriberQueueSize(),
                    this::ended);
            synchronized (lock) {
                if (closed) {
                    throw new HubClosedException();
                }
                if (events == null) {
                    throw new IllegalStateException("a stream before the JAX-RS runtime started");
                }
                if (subscribers.containsKey(client.clientId())) {
                    continue;
                }
                if (subject != null && subjectEnds != endsSeen) {
                    // a subject's streams were ended since the block was read, perhaps with a block: read it again,
                    // or this stream, missed by the end, would slip past the block too
                    continue;
                }
                ConnectionLimits.Refusal refusal = limits.admit(address);
                if (refusal != null) {
                    return Admission.refused(refusal);
                }
                Replay replay = subscription.lastEventId() == null
                        ? new Replay(List.of(), null, history.newestId())
                        : history.after(subscription.lastEventId(), subscription.heldTopics(), entries.covered());
                // the retained events as they are now, under the lock that stored() takes: one published meanwhile is
                // either here or, the stream being registered below, in its live queue
                RetainedEvents.Selection kept = subscription.lastEventId() != null && !replay.isReset()
                        ? RetainedEvents.Selection.NONE
                        : retained.select(entries.retained(), config.retainedPerStream());
                count(subscription, replay);
                List<ClientInfo> present = new ArrayList<>();
                if (subscription.presence()) {
                    subscribers.values().forEach(other -> present.add(other.client().info()));
                    present.addAll(elsewhere);
                }
                // the others hear of it before it is a listener: a client gets no join of its own
                presence.joined(client, routes, events, delivery);
                subscribers.put(client.clientId(), subscriber);
                routes.add(subscriber, entries);
                subscriber.open(events.opening(client, subscription.lastEventId(), replay, kept, present,
                        config.retryMs()));
                return Admission.of(subscriber);
            }
        }
    }

    /**
     * Stores the event through the backbone, which hands it to every node, this one included. With a repeated
     * idempotency key, the first publish's id and nothing stored.
     *
     * @throws HubClosedException when the hub is shutting down
     */
    public Backbone.Published publish(EventDraft draft, String idempotencyKey) {
        return publish(List.of(draft), false, idempotencyKey);
    }

    /**
     * Stores the events of one publish (a {@code batch}, or a single event) through the backbone in one step, in
     * order and with no other event between them, or none. With a repeated idempotency key, the first publish's ids
     * and nothing stored.
     *
     * @throws HubClosedException when the hub is shutting down
     */
    public Backbone.Published publish(List<EventDraft> drafts, boolean batch, String idempotencyKey) {
        // read without the lock: a publish must not queue behind subscribers that are being registered
        if (closed) {
            throw new HubClosedException();
        }
        // not under the lock: the backbone hands the events back to stored() (lock order)
        Backbone.Published published = backbone.publish(drafts, batch, idempotencyKey);
        if (!published.repeated()) {
            metrics.published(published.ids().size());
        }
        return published;
    }

    /** Clears {@code topic}'s retained event on every node; false when it had none. */
    public boolean clearRetained(String topic) {
        if (closed) {
            throw new HubClosedException();
        }
        // not under the lock: the backbone hands the clear back to retainedCleared() (lock order)
        return backbone.clearRetained(topic);
    }

    /** The retained events {@code wanted}, oldest id first, at most {@code herald.limits.retained-per-stream}. */
    public RetainedEvents.Selection retained(RetainedEvents.Wanted wanted) {
        synchronized (lock) {
            return retained.select(wanted, config.retainedPerStream());
        }
    }

    /** Where a kicked client was. */
    public enum Kicked { LOCAL, OTHER_NODE, UNKNOWN }

    /** Ends the stream of {@code clientId}, on whichever node holds it. */
    public Kicked kick(String clientId) {
        if (endLocal(clientId)) {
            return Kicked.LOCAL;
        }
        return backbone.kick(clientId) ? Kicked.OTHER_NODE : Kicked.UNKNOWN;
    }

    /** Another node passes on a kick: this node ends the stream if it holds it. */
    @Override
    public void kicked(String clientId) {
        endLocal(clientId);
    }

    /**
     * Ends every stream of {@code subject} on every node, as a kick does; with {@code block}, also refuses the
     * subject's new streams on every node for that long, set before any stream ends so that none comes back
     * meanwhile. The other nodes are asked first and not waited for.
     *
     * @return how many streams this node ended
     * @throws Backbone.BlockedFullException when the block cannot be kept: nothing was ended
     * @throws Backbone.UnavailableException when the other nodes cannot be reached: nothing was ended
     */
    public int endSubject(String subject, Duration block) {
        if (block != null) {
            backbone.blockSubject(subject, clock.instant(), block);
        }
        backbone.endSubject(subject);
        return endLocalSubject(subject);
    }

    /**
     * Tells {@code watcher} of every subject whose streams end on this node, by an admin here or on another node:
     * how what is kept about a subject elsewhere (the authorization hook's answers) is forgotten on every node.
     */
    public void whenSubjectEnds(Consumer<String> watcher) {
        subjectEndWatchers.add(watcher);
    }

    /** Another node passes on the end of a subject's streams: this node ends those it holds. */
    @Override
    public void subjectEnded(String subject) {
        endLocalSubject(subject);
    }

    /**
     * Ends this node's streams of {@code subject}, found by one pass over its streams: an admin's rare command, which
     * is not worth an index that every connect and disconnect would keep up.
     */
    private int endLocalSubject(String subject) {
        // first, so that no stream reconnecting after its end finds what was known of the subject before
        subjectEndWatchers.forEach(watcher -> watcher.accept(subject));
        List<Subscriber> ending = new ArrayList<>();
        synchronized (lock) {
            subjectEnds++;
            for (Subscriber subscriber : subscribers.values()) {
                if (subject.equals(subscriber.client().subject())) {
                    ending.add(subscriber);
                }
            }
        }
        // not under the lock: each end reports to the hub
        ending.forEach(subscriber -> subscriber.close(Subscriber.CloseReason.KICKED));
        return ending.size();
    }

    /**
     * Until when {@code subject}'s new streams are refused, or null. While the backbone cannot say (Redis is
     * unreachable), none: a browser's {@code EventSource} gives up for good on an error status, so refusing every
     * stream with a token during an outage would cost more than a ban that waits for Redis to be back.
     */
    private Instant blockedUntil(String subject, Instant now) {
        try {
            return backbone.blockedUntil(subject, now);
        } catch (Backbone.UnavailableException e) {
            LOG.log(Level.FINE, "a block could not be read; the stream is taken", e);
            return null;
        }
    }

    /** Ends this node's stream of {@code clientId}; false when it has none. */
    private boolean endLocal(String clientId) {
        Subscriber local;
        synchronized (lock) {
            local = subscribers.get(clientId);
        }
        if (local == null) {
            return false;
        }
        local.close(Subscriber.CloseReason.KICKED);
        return true;
    }

    @Override
    public void backboneFailed() {
        metrics.backboneFailed();
    }

    /** How many streams this node holds. */
    public int localClientCount() {
        synchronized (lock) {
            return subscribers.size();
        }
    }

    /** The sweep's call: events past {@code herald.history.max-age} go even when no event arrives to push them out. */
    void expireHistory() {
        synchronized (lock) {
            history.expire(clock.millis());
        }
    }

    /** This node's streams now, for the sweep; it acts on them without the hub's lock. */
    List<Subscriber> openStreams() {
        synchronized (lock) {
            return new ArrayList<>(subscribers.values());
        }
    }

    @Override
    public void held(HeldEvents held) {
        synchronized (lock) {
            history.restore(held, clock.millis());
            retained.restore(held.retained());
            lock.notifyAll();
        }
    }

    @Override
    public void stored(Event event) {
        take(event, false);
    }

    @Override
    public void storedRetained(Event event) {
        take(event, true);
    }

    @Override
    public RetentionChanges retentionChanges() {
        synchronized (lock) {
            return history.drainChanges();
        }
    }

    /** Holds, retains when {@code retain}, and broadcasts, in one step under the lock. */
    private void take(Event event, boolean retain) {
        synchronized (lock) {
            history.append(event, clock.millis());
            if (retain) {
                retained.retain(event);
            }
            if (events != null) {
                routes.broadcast(event, events);
                delivery.dispatch();
            }
            lock.notifyAll();
        }
    }

    @Override
    public boolean mayRetain(Set<String> topics) {
        synchronized (lock) {
            return retained.mayRetain(topics);
        }
    }

    @Override
    public boolean retainedCleared(String topic) {
        synchronized (lock) {
            return retained.clear(topic);
        }
    }

    /** Events were lost to this node: every stream ends, and its client reconnects to a {@code reset}. */
    @Override
    public void lost(EventId floor) {
        List<Subscriber> open;
        synchronized (lock) {
            history.clear(floor);
            open = new ArrayList<>(subscribers.values());
        }
        open.forEach(subscriber -> subscriber.close(Subscriber.CloseReason.BEHIND));
    }

    @Override
    public void presence(Event news) {
        synchronized (lock) {
            if (events != null && !closed) {
                routes.broadcast(news, events);
                delivery.dispatch();
            }
        }
    }

    /**
     * The first {@code limit} connected clients: this node's, oldest connection first, then other nodes'. When the
     * backbone cannot be asked, this node's only, marked partial.
     */
    public ClientList clients(int limit) {
        List<ClientInfo> clients;
        long local;
        synchronized (lock) {
            local = subscribers.size();
            clients = subscribers.values().stream().limit(limit).map(s -> s.client().info())
                    .collect(ArrayList::new, ArrayList::add, ArrayList::addAll);
        }
        try {
            if (clients.size() < limit) {
                clients.addAll(backbone.otherClients(limit - clients.size()));
            }
            return new ClientList(clients, local + backbone.otherClientCount(), false);
        } catch (Backbone.UnavailableException e) {
            return new ClientList(clients, local, true);
        }
    }

    /**
     * Connected clients as listed: {@code total} counts every node's, unless {@code partial}, when the other nodes
     * could not be asked and only this node's are listed and counted.
     */
    public record ClientList(List<ClientInfo> clients, long total, boolean partial) {
    }

    /** False once shutting down: load balancers should send new streams elsewhere. */
    public boolean isReady() {
        synchronized (lock) {
            return !closed;
        }
    }

    /** False while the backbone cannot store events. */
    public boolean isBackboneAvailable() {
        return backbone.isAvailable();
    }

    /**
     * Ends every stream: each first gets a last {@code retry:} line, with delays spread over a second per 500
     * streams (1 to 60 s) so that thousands of browsers do not all come back in the same second; a stream that
     * cannot take it within {@link #SHUTDOWN_WAIT} is ended as it is. New streams and publishes are refused.
     */
    @Override
    public void close() {
        List<Subscriber> open;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(subscribers.values());
        }
        open.forEach(subscriber -> subscriber.endWithRetry(lastRetryMs()));
        awaitNoStreams(SHUTDOWN_WAIT);
        open.forEach(subscriber -> subscriber.close(Subscriber.CloseReason.SHUTDOWN));
    }

    /**
     * The {@code retry:} a stream gets when the node stops: {@code herald.retry.ms} plus a random delay spread over
     * a second per 500 open streams (1 to 60 s), so that thousands of browsers do not all come back in the same
     * second.
     */
    long lastRetryMs() {
        long spreadMs = Math.max(1000, Math.min(60_000, localClientCount() * 2L));
        return config.retryMs() + ThreadLocalRandom.current().nextLong(spreadMs);
    }

    /** Waits, up to {@code wait}, until every stream has reported its end. */
    private void awaitNoStreams(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (lock) {
            long left;
            while (!subscribers.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * A client may come back with an id that another node delivered and this one has not received yet: wait for
     * it (a few milliseconds behind, normally), so it is caught up rather than reset.
     *
     * @throws Backbone.UnavailableException when the backbone cannot say whether the id is stored: an outage is
     *         no reason for a reset
     */
    private void awaitStored(String lastEventId) {
        synchronized (lock) {
            if (!history.isAhead(lastEventId)) {
                return;
            }
        }
        EventId id = history.ids().parse(lastEventId).id();
        if (!backbone.isStored(id)) {
            return;
        }
        long deadline = System.nanoTime() + CATCH_UP_WAIT.toNanos();
        synchronized (lock) {
            long left;
            while (!closed && history.isAhead(lastEventId) && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Under the lock: what the new stream's catch-up counts as. */
    private void count(Subscription subscription, Replay replay) {
        metrics.connected();
        if (subscription.lastEventId() != null) {
            if (replay.isReset()) {
                metrics.reset();
            } else {
                metrics.caughtUp();
            }
        }
    }

    /** Each stream ends within the last tenth of the lifetime, so a node's clients do not all return at once. */
    private Instant endsAt(Instant now) {
        long lifetimeMs = config.maxLifetimeSeconds() * 1000L;
        return now.plusMillis(lifetimeMs - ThreadLocalRandom.current().nextLong(lifetimeMs / 10 + 1));
    }

    /** A stream has ended: reported once, by its subscriber, on a thread that holds no hub or subscriber lock. */
    private void ended(Subscriber subscriber, Subscriber.CloseReason reason) {
        assert !Thread.holdsLock(lock) : "a stream's end reached the hub inside a broadcast";
        Client client = subscriber.client();
        synchronized (lock) {
            Subscriber removed = subscribers.remove(client.clientId());
            assert removed == subscriber : "the end of " + client.clientId() + " was reported twice";
            if (removed == null) {
                return;
            }
            limits.release(client.address());
            routes.remove(subscriber);
            if (closed) {
                lock.notifyAll();
            } else {
                presence.left(client, routes, events, delivery);
            }
        }
        metrics.disconnected(reason.name());
        Level level = reason == Subscriber.CloseReason.SLOW ? Level.WARNING : Level.FINE;
        LOG.log(level, () -> "client " + client.clientId() + " disconnected: " + reason);
    }
}
