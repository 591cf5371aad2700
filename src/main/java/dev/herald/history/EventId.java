package dev.herald.history;

/**
 * An event id, as clients see it in {@code id:} and send back in {@code Last-Event-ID}. Ids of one history are
 * ordered; which form they take depends on the backbone: {@link RunId} in memory, {@link StreamId} on Redis.
 */
public sealed interface EventId extends Comparable<EventId> permits RunId, StreamId {

    /** When the event's age begins: the time the id carries, or {@code arrivedAt} when it carries none. */
    long bornAt(long arrivedAt);
}
