package dev.herald.stream;

import dev.herald.app.ApiException;
import dev.herald.app.Json;
import dev.herald.config.HeraldConfig;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.ClientInfo;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.History;
import dev.herald.history.Replay;
import dev.herald.history.Topics;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.publish.EventDraft;
import jakarta.servlet.ServletOutputStream;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one owner of this node's shared state: the history as this node has seen it, the connected subscribers and
 * their routes, and the threads that write to them. Events reach it from the {@link Backbone}, in id order, and
 * go to history and subscribers under one lock, which subscribing takes too: an event is either in a new
 * subscriber's catch-up or in its live queue, never in both and never in neither.
 */
public final class Hub implements AutoCloseable, Backbone.Listener {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());
    private static final String CLIENT_ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    private static final int CLIENT_ID_LENGTH = 10;
    /** How long a subscriber waits for this node to receive an id another node already sent it. */
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(5);
    /** How long a shutdown waits for the streams' last retry: lines to be written; a stalled client is not waited for. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(3);

    private final HeraldConfig config;
    private final Clock clock;
    private final Backbone backbone;
    private final RandomGenerator random = new SecureRandom();
    private final HeraldMetrics metrics;
    private final Delivery delivery;
    private final OwnedThreads heartbeatThreads = new OwnedThreads("herald-heartbeat");
    private final ScheduledExecutorService heartbeats;

    private final Object lock = new Object();
    private final History history;
    private final Routes routes = new Routes();
    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    /** Open streams by client address, for {@code herald.limits.connections-per-address}; no entry at zero. */
    private final Map<String, Integer> perAddress = new HashMap<>();
    /** Events arriving from the backbone's thread are built with the {@code Sse} of the requests. */
    private EventFormat format;
    private boolean closed;

    public Hub(HeraldConfig config, Clock clock, Backbone backbone) {
        this.config = config;
        this.clock = clock;
        this.backbone = backbone;
        this.metrics = new HeraldMetrics(backbone.node());
        this.delivery = new Delivery(metrics);
        metrics.gauge("herald.connections", "streams open on this node", this::localClientCount);
        this.history = new History(backbone.ids(), config.historySize());
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(heartbeatThreads);
        heartbeats.scheduleWithFixedDelay(() -> heartbeat(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
        backbone.start(this);
    }

    public HeraldConfig config() {
        return config;
    }

    /** Which backbone runs: {@code memory} or {@code redis}. */
    public String backboneName() {
        return backbone.name();
    }

    /**
     * Registers a stream that will write to {@code out} once started: welcome, the catch-up or a reset, ready,
     * then live events. {@code end} completes the request.
     */
    Subscriber subscribe(Subscription subscription, ServletOutputStream out, Runnable end, Sse sse) {
        return subscribe(subscription, out, end, sse, null, "test");
    }

    /**
     * As above, for a stream that must end at {@code expiresAt} (its token's expiry), when not null, from a client
     * at {@code address}: refused with 503 beyond {@code herald.limits.connections} streams on this node, and with
     * 429 beyond {@code herald.limits.connections-per-address} from one address.
     */
    Subscriber subscribe(Subscription subscription, ServletOutputStream out, Runnable end, Sse sse, Instant expiresAt,
            String address) {
        EventFormat format = new EventFormat(sse);
        if (subscription.lastEventId() != null) {
            awaitStored(subscription.lastEventId());
        }
        List<ClientInfo> elsewhere = subscription.presence()
                ? backbone.otherClients(ClientsResource.MAX_LISTED) : List.of();
        while (true) {
            // drawn before taking the lock: a burst of reconnecting clients would otherwise queue on the random source
            Subscriber subscriber = new Subscriber(newClientId(), subscription.topics(), subscription.envelope(),
                    clock.instant(), out, end, format, delivery, config.subscriberQueueSize(), this::closed);
            subscriber.expiresAt(expiresAt);
            // each stream ends within the last tenth of the lifetime, so a node's clients do not all return at once
            subscriber.endsAt(clock.instant().plusMillis(
                    (long) (config.maxLifetimeSeconds() * 1000L * (0.9 + 0.1 * random.nextDouble()))));
            Event join = presence("join", subscriber);
            synchronized (lock) {
                if (closed) {
                    throw new HubClosedException();
                }
                if (subscribers.containsKey(subscriber.clientId())) {
                    continue;
                }
                checkLimits(address);
                perAddress.merge(address, 1, Integer::sum);
                subscriber.address(address);
                this.format = format;
                Replay replay = subscription.lastEventId() == null
                        ? new Replay(List.of(), null, history.newestId())
                        : history.after(subscription.lastEventId(), subscription::wants);
                metrics.connected();
                if (subscription.lastEventId() != null) {
                    if (replay.isReset()) {
                        metrics.reset();
                    } else {
                        metrics.caughtUp();
                    }
                }
                List<ClientInfo> present = new ArrayList<>();
                if (subscription.presence()) {
                    subscribers.values().forEach(other -> present.add(info(other)));
                    present.addAll(elsewhere);
                }
                routes.broadcast(join, format);
                delivery.dispatch();
                subscribers.put(subscriber.clientId(), subscriber);
                routes.add(subscriber);
                subscriber.open(opening(subscriber, subscription, replay, present));
                announce(join, subscriber, true);
                return subscriber;
            }
        }
    }

    /**
     * Stores the event through the backbone, which hands it to every node, this one included. With a repeated
     * idempotency key, the first publish's id and nothing stored.
     */
    public Backbone.Published publish(EventDraft draft, String idempotencyKey, Sse sse) {
        synchronized (lock) {
            if (closed) {
                throw new HubClosedException();
            }
            if (format == null) {
                format = new EventFormat(sse);
            }
        }
        Backbone.Published published = backbone.publish(draft, idempotencyKey);
        if (!published.repeated()) {
            metrics.published();
        }
        return published;
    }

    /** This deployment's metrics. */
    public HeraldMetrics metrics() {
        return metrics;
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

    private int localClientCount() {
        synchronized (lock) {
            return subscribers.size();
        }
    }

    @Override
    public void retained(EventId floor, List<Event> events) {
        synchronized (lock) {
            history.retain(floor, events);
            lock.notifyAll();
        }
    }

    @Override
    public void stored(Event event) {
        synchronized (lock) {
            history.append(event);
            if (format != null) {
                routes.broadcast(event, format);
                delivery.dispatch();
            }
            lock.notifyAll();
        }
    }

    /** Events were lost to this node: every stream ends, and its client reconnects to a {@code reset}. */
    @Override
    public void lost(EventId floor) {
        List<Subscriber> open;
        synchronized (lock) {
            history.retain(floor, List.of());
            open = new ArrayList<>(subscribers.values());
        }
        open.forEach(subscriber -> subscriber.close(Subscriber.CloseReason.BEHIND));
    }

    @Override
    public void presence(Event presence) {
        synchronized (lock) {
            if (format != null && !closed) {
                routes.broadcast(presence, format);
                delivery.dispatch();
            }
        }
    }

    /** The first {@code limit} connected clients: this node's, oldest connection first, then other nodes'. */
    public List<ClientInfo> clients(int limit) {
        List<ClientInfo> clients;
        synchronized (lock) {
            clients = subscribers.values().stream().limit(limit).map(Hub::info)
                    .collect(Collectors.toCollection(ArrayList::new));
        }
        if (clients.size() < limit) {
            clients.addAll(backbone.otherClients(limit - clients.size()));
        }
        return clients;
    }

    public long clientCount() {
        long local;
        synchronized (lock) {
            local = subscribers.size();
        }
        return local + backbone.otherClientCount();
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

    /** Ends every stream and stops the hub's threads. */
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
        // a last retry: line for each stream, spread over a second per 500 streams (1 to 60 s), so that thousands of
        // browsers do not all come back in the same second; then the streams end
        long spreadMs = Math.max(1000, Math.min(60_000, open.size() * 2L));
        open.forEach(subscriber -> subscriber.endWithRetry(config.retryMs() + (long) (random.nextDouble() * spreadMs)));
        awaitEnded(open, SHUTDOWN_WAIT);
        open.forEach(subscriber -> subscriber.close(Subscriber.CloseReason.SHUTDOWN));
        heartbeats.shutdownNow();
        backbone.close();
        delivery.close();
        heartbeatThreads.join(Duration.ofSeconds(2));
        metrics.close();
    }

    /** Waits, up to {@code wait}, until every stream in {@code streams} has ended. */
    private static void awaitEnded(List<Subscriber> streams, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline && !streams.stream().allMatch(Subscriber::isClosed)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Under the lock: refuses a stream beyond this node's limits. */
    private void checkLimits(String address) {
        HeraldConfig.Limits limits = config.limits();
        if (subscribers.size() >= limits.connections()) {
            throw new ApiException(503, "too_many_connections", "this node holds its maximum of "
                    + limits.connections() + " streams; try again, or another node").withHeader("Retry-After", "5");
        }
        if (perAddress.getOrDefault(address, 0) >= limits.connectionsPerAddress()) {
            throw new ApiException(429, "too_many_connections_from_address", "at most "
                    + limits.connectionsPerAddress() + " streams per client address").withHeader("Retry-After", "10");
        }
    }

    /**
     * A client may come back with an id that another node delivered and this one has not received yet: wait for
     * it (a few milliseconds behind, normally), so it is caught up rather than reset.
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

    private Iterator<OutboundSseEvent> opening(Subscriber subscriber, Subscription subscription, Replay replay,
            List<ClientInfo> present) {
        EventFormat format = subscriber.format();
        Stream<OutboundSseEvent> head = Stream.of(format.welcome(subscriber.clientId(), subscriber.topics(),
                config.retryMs()));
        if (replay.isReset()) {
            head = Stream.concat(head, Stream.of(format.reset(subscription.lastEventId(), replay.reset())));
        }
        Stream<OutboundSseEvent> caughtUp = replay.events().stream().map(e -> format.event(e, subscriber.envelope()));
        Stream<OutboundSseEvent> ready = Stream.of(format.ready(replay.newest(), replay.events().size()));
        Stream<OutboundSseEvent> joins = present.stream()
                .map(other -> format.event(presence("join", other), subscriber.envelope()));
        return Stream.of(head, caughtUp, ready, joins).flatMap(s -> s).iterator();
    }

    private void closed(Subscriber subscriber, Subscriber.CloseReason reason) {
        synchronized (lock) {
            if (subscribers.remove(subscriber.clientId()) == null) {
                return;
            }
            perAddress.computeIfPresent(subscriber.address(), (address, count) -> count > 1 ? count - 1 : null);
            routes.remove(subscriber);
            if (!closed) {
                Event leave = presence("leave", subscriber);
                routes.broadcast(leave, subscriber.format());
                delivery.dispatch();
                announce(leave, subscriber, false);
            }
        }
        metrics.disconnected(reason.name());
        Level level = reason == Subscriber.CloseReason.SLOW ? Level.WARNING : Level.FINE;
        LOG.log(level, () -> "client " + subscriber.clientId() + " disconnected: " + reason);
    }

    /** Under the lock, so that a client's join reaches the other nodes before its leave. */
    private void announce(Event presence, Subscriber subscriber, boolean joined) {
        backbone.announce(presence);
        if (joined) {
            backbone.connected(info(subscriber));
        } else {
            backbone.disconnected(info(subscriber));
        }
    }

    /**
     * Runs every second: each stream that has been quiet for {@code herald.heartbeat.seconds} gets a heartbeat,
     * and a stream whose token has expired ends.
     * Checking every second rather than sending to everyone every interval spreads the heartbeats over time, as
     * streams fall quiet at different moments.
     */
    void heartbeat(long nowNanos) {
        List<Subscriber> open;
        synchronized (lock) {
            open = new ArrayList<>(subscribers.values());
        }
        long quietNanos = TimeUnit.SECONDS.toNanos(config.heartbeatSeconds());
        Instant now = clock.instant();
        for (Subscriber subscriber : open) {
            if (subscriber.expiresAt() != null && !now.isBefore(subscriber.expiresAt())) {
                // the client reconnects after its retry delay, with a fresh token if it has one
                subscriber.close(Subscriber.CloseReason.TOKEN_EXPIRED);
            } else if (!now.isBefore(subscriber.endsAt())) {
                // reconnecting through the load balancer spreads streams over the nodes again
                subscriber.close(Subscriber.CloseReason.LIFETIME);
            } else {
                subscriber.heartbeat(nowNanos, quietNanos);
            }
        }
    }

    private static ClientInfo info(Subscriber subscriber) {
        return new ClientInfo(subscriber.clientId(), subscriber.topics(), subscriber.connectedAt().toString());
    }

    private static Event presence(String type, Subscriber subscriber) {
        return presence(type, info(subscriber));
    }

    private static Event presence(String type, ClientInfo client) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("clientId", client.clientId());
        data.put("topics", client.topics());
        return new Event(null, Topics.PRESENCE, type, Json.write(data), null);
    }

    /** Ten characters from 60 random bits: one draw from the random source per client. */
    private String newClientId() {
        long bits = random.nextLong();
        char[] id = new char[CLIENT_ID_LENGTH];
        for (int i = 0; i < CLIENT_ID_LENGTH; i++) {
            id[i] = CLIENT_ID_ALPHABET.charAt((int) (bits & 63));
            bits >>>= 6;
        }
        return new String(id);
    }
}
