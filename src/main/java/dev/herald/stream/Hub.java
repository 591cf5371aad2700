package dev.herald.stream;

import dev.herald.app.Json;
import dev.herald.config.HeraldConfig;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.History;
import dev.herald.history.Replay;
import dev.herald.history.Topics;
import dev.herald.publish.EventDraft;
import jakarta.servlet.ServletOutputStream;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
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
import java.util.stream.Stream;

/**
 * The one owner of Herald's shared state: the history, the connected subscribers and their routes, and the
 * threads that write to them. Publishing and subscribing take the same lock, so an event is either in a new
 * subscriber's catch-up or in its live queue, never in both and never in neither.
 */
public final class Hub implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());
    private static final String CLIENT_ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    private static final int CLIENT_ID_LENGTH = 10;

    private final HeraldConfig config;
    private final Clock clock;
    private final RandomGenerator random = new SecureRandom();
    private final Delivery delivery = new Delivery();
    private final ScheduledExecutorService heartbeats;

    private final Object lock = new Object();
    private final History history;
    private final Routes routes = new Routes();
    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    private boolean closed;

    public Hub(HeraldConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.history = new History(EventId.newRun(), config.historySize());
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(Delivery.named("herald-heartbeat"));
        heartbeats.scheduleWithFixedDelay(() -> heartbeat(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
    }

    public HeraldConfig config() {
        return config;
    }

    /**
     * Registers a stream that will write to {@code out} once started: welcome, the catch-up or a reset, ready,
     * then live events. {@code end} completes the request.
     */
    Subscriber subscribe(Subscription subscription, ServletOutputStream out, Runnable end, Sse sse) {
        EventFormat format = new EventFormat(sse);
        while (true) {
            // drawn before taking the lock: a burst of reconnecting clients would otherwise queue on the random source
            Subscriber subscriber = new Subscriber(newClientId(), subscription.topics(), subscription.envelope(),
                    clock.instant(), out, end, format, delivery, config.subscriberQueueSize(), this::closed);
            Event join = presence("join", subscriber);
            synchronized (lock) {
                if (closed) {
                    throw new HubClosedException();
                }
                if (subscribers.containsKey(subscriber.clientId())) {
                    continue;
                }
                Replay replay = subscription.lastEventId() == null
                        ? new Replay(List.of(), null, history.newestId())
                        : history.after(subscription.lastEventId(), subscription::wants);
                List<Subscriber> present = subscription.presence() ? new ArrayList<>(subscribers.values()) : List.of();
                routes.broadcast(join, format);
                delivery.dispatch();
                subscribers.put(subscriber.clientId(), subscriber);
                routes.add(subscriber);
                subscriber.open(opening(subscriber, subscription, replay, present));
                return subscriber;
            }
        }
    }

    /** Assigns the event its id, keeps it, and hands it to every subscriber that wants it. */
    public Event publish(EventDraft draft, Sse sse) {
        EventFormat format = new EventFormat(sse);
        synchronized (lock) {
            if (closed) {
                throw new HubClosedException();
            }
            Event event = history.append(draft.topic(), draft.type(), draft.data(), draft.retryMs());
            routes.broadcast(event, format);
            delivery.dispatch();
            return event;
        }
    }

    /** The first {@code limit} connected clients, oldest connection first. */
    public List<ClientInfo> clients(int limit) {
        synchronized (lock) {
            return subscribers.values().stream().limit(limit)
                    .map(s -> new ClientInfo(s.clientId(), s.topics(), s.connectedAt().toString()))
                    .toList();
        }
    }

    public int clientCount() {
        synchronized (lock) {
            return subscribers.size();
        }
    }

    /** False once shutting down: load balancers should send new streams elsewhere. */
    public boolean isReady() {
        synchronized (lock) {
            return !closed;
        }
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
        open.forEach(subscriber -> subscriber.close(Subscriber.CloseReason.SHUTDOWN));
        heartbeats.shutdownNow();
        delivery.close();
    }

    private Iterator<OutboundSseEvent> opening(Subscriber subscriber, Subscription subscription, Replay replay,
            List<Subscriber> present) {
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
            routes.remove(subscriber);
            if (!closed) {
                routes.broadcast(presence("leave", subscriber), subscriber.format());
                delivery.dispatch();
            }
        }
        Level level = reason == Subscriber.CloseReason.SLOW ? Level.WARNING : Level.FINE;
        LOG.log(level, () -> "client " + subscriber.clientId() + " disconnected: " + reason);
    }

    /**
     * Runs every second: each stream that has been quiet for {@code herald.heartbeat.seconds} gets a heartbeat.
     * Checking every second rather than sending to everyone every interval spreads the heartbeats over time, as
     * streams fall quiet at different moments.
     */
    void heartbeat(long nowNanos) {
        List<Subscriber> open;
        synchronized (lock) {
            open = new ArrayList<>(subscribers.values());
        }
        long quietNanos = TimeUnit.SECONDS.toNanos(config.heartbeatSeconds());
        open.forEach(subscriber -> subscriber.heartbeat(nowNanos, quietNanos));
    }

    private static Event presence(String type, Subscriber subscriber) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("clientId", subscriber.clientId());
        data.put("topics", subscriber.topics());
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
