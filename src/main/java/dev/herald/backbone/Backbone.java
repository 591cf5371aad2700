package dev.herald.backbone;

import dev.herald.history.Event;
import dev.herald.history.EventDraft;
import dev.herald.history.EventId;
import dev.herald.history.History;
import dev.herald.history.IdScheme;
import dev.herald.history.HeldEvents;
import dev.herald.history.RetentionChanges;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Where published events are stored and how they reach every node: {@link InMemoryBackbone} for a single node,
 * {@code RedisBackbone} for several sharing one Redis. The hub is the only caller; nothing else knows which runs.
 */
public interface Backbone extends AutoCloseable {

    /** The form of this backbone's event ids. */
    IdScheme ids();

    /**
     * How the hub's history decides which events it keeps: for this node alone, or alike on every node, its
     * decisions then stored by this backbone ({@link Listener#retentionChanges}).
     */
    History.Decisions retention();

    /**
     * Starts handing events to {@code listener}: first {@link Listener#held} with what is already stored (when
     * anything is, retained events included), then {@link Listener#stored} (or {@link Listener#storedRetained}) for
     * every event stored after, by any node, in id order, and {@link Listener#retainedCleared} for every clear.
     */
    void start(Listener listener);

    /**
     * Stores the events of one publish in one step: in order, under consecutive ids, with no other event between
     * them (on any node), or none of them. They then reach every node's listener. With an idempotency key that was
     * already used for the same publish (the same events, in the same form: single or {@code batch}), nothing is
     * stored and the first publish's ids are returned.
     *
     * With {@link EventDraft#retain()}, an event also becomes its topic's retained event, in the same step, and
     * reaches every node's listener through {@link Listener#storedRetained}; a retain beyond
     * {@code herald.retained.max-topics} stores nothing of the publish.
     *
     * @throws UnavailableException when the events could not be stored
     * @throws IdempotencyKeyReusedException when the key was used for a different publish
     * @throws RetainedFullException when an event would give one topic too many a retained event
     */
    Published publish(List<EventDraft> drafts, boolean batch, String idempotencyKey);

    /** Stores one event: a publish of a single event. */
    default Published publish(EventDraft draft, String idempotencyKey) {
        return publish(List.of(draft), false, idempotencyKey);
    }

    /**
     * Clears {@code topic}'s retained event on every node ({@link Listener#retainedCleared}); false when it had none.
     *
     * @throws UnavailableException when the backbone cannot be reached
     */
    boolean clearRetained(String topic);

    /** Whether a client's {@code Last-Event-ID}, newer than this node has seen, is stored (this node lags). */
    boolean isStored(EventId id);

    /** Whether there are other nodes to tell of this node's clients: if not, presence stays on this node. */
    boolean sharesPresence();

    /** Hands a {@code join} or {@code leave} of a client of this node to the other nodes; not kept. */
    void announce(Event presence);

    /** A client connected to or left this node, for the other nodes' client lists. */
    void connected(ClientInfo client);

    void disconnected(ClientInfo client);

    /** Up to {@code limit} clients connected to other nodes. */
    List<ClientInfo> otherClients(int limit);

    /** How many clients other nodes have. */
    long otherClientCount();

    /** False while events cannot be stored (e.g. Redis is unreachable). */
    boolean isAvailable();

    /** This node's name in metrics and logs. */
    String node();

    /** Asks the node that holds {@code clientId} to end its stream; false when no other node lists it. */
    boolean kick(String clientId);

    /**
     * Asks every other node to end each stream of {@code subject} ({@link Listener#subjectEnded}); does not wait for
     * them. Nothing to do when there is no other node.
     *
     * @throws UnavailableException when the other nodes cannot be reached
     */
    void endSubject(String subject);

    /**
     * Refuses new streams of {@code subject} on every node for {@code duration} from {@code now}: a block of the same
     * subject set before is replaced (so a shorter one shortens it).
     *
     * @throws BlockedFullException when this backbone holds as many blocks as it can, none of them expired
     * @throws UnavailableException when the block could not be stored
     */
    void blockSubject(String subject, Instant now, Duration duration);

    /**
     * Until when new streams of {@code subject} are refused, or null when they are not.
     *
     * @throws UnavailableException when the backbone cannot say
     */
    Instant blockedUntil(String subject, Instant now);

    /** A name for logs and health: {@code memory} or {@code redis}. */
    String name();

    @Override
    void close();

    /** The hub's side. Calls for one backbone never overlap, and stored events arrive in id order. */
    interface Listener {

        /**
         * What the backbone already stores, which replaces anything held before, retained events included;
         * {@link #stored} events follow the newest of them.
         */
        void held(HeldEvents held);

        /** A new event. */
        void stored(Event event);

        /**
         * A new event, as {@link #stored}, that is also its topic's retained event from now on: both in one step,
         * so that a stream opening meanwhile gets it either in its opening or live, never both.
         */
        void storedRetained(Event event);

        /**
         * What the history decided since the last call ({@link History#drainChanges}), for a backbone whose nodes
         * decide alike ({@link History.Decisions#SHARED}) to store; it asks at most every 20 ms or 1,000 events
         * while they come.
         */
        RetentionChanges retentionChanges();

        /**
         * The backbone asks, before it stores a publish that retains events, whether all of {@code topics} can have a
         * retained event at once within {@code herald.retained.max-topics}: asked only by a backbone that leaves that
         * bound to this node (memory), between its publishes; one that decides it for every node (Redis) never asks.
         */
        boolean mayRetain(Set<String> topics);

        /** A topic's retained event was cleared, by this node or another; false when this node held none for it. */
        boolean retainedCleared(String topic);

        /**
         * Events after the last one handed over were removed before this node could read them (it fell further
         * behind than the history): its clients must start over, and nothing held so far can be caught up with
         * until {@link #held} brings what the backbone stores now; {@code floor} is the newest position that is gone.
         */
        void lost(EventId floor);

        /** A {@code join} or {@code leave} on another node. */
        void presence(Event presence);

        /** Another node asks this one to end a client's stream, if it holds it. */
        void kicked(String clientId);

        /** Another node asks this one to end every stream of {@code subject} it holds. */
        void subjectEnded(String subject);

        /** A command to the backbone failed (counted, the backbone logs the outage itself). */
        void backboneFailed();
    }

    /** The stored events' ids, in order; {@code repeated} when an idempotency key matched an earlier publish. */
    record Published(List<EventId> ids, boolean repeated) {

        public Published {
            ids = List.copyOf(ids);
        }

        /** The first id: a single event's. */
        public EventId id() {
            return ids.get(0);
        }
    }

    /** The backbone cannot store events now; the publisher should retry. */
    final class UnavailableException extends RuntimeException {

        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A retain that would give more than {@code herald.retained.max-topics} topics a retained event. */
    final class RetainedFullException extends RuntimeException {

        public RetainedFullException(int maxTopics) {
            super(maxTopics + " topics already have a retained event (herald.retained.max-topics); clear one, or "
                    + "replace the retained event of a topic that has one");
        }
    }

    /** A block of one more subject than the backbone can hold at once, none of those it holds having expired. */
    final class BlockedFullException extends RuntimeException {

        public BlockedFullException(int maxBlocks) {
            super(maxBlocks + " subjects are blocked already on this node; wait for a block to expire, or end the "
                    + "subject's streams without for=");
        }
    }

    /** An idempotency key came back with a different event. */
    final class IdempotencyKeyReusedException extends RuntimeException {

        public IdempotencyKeyReusedException() {
            super("this Idempotency-Key was used for a different publish (other events, or a single event against"
                    + " a batch)");
        }
    }
}
