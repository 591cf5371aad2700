package dev.herald.history;

/**
 * An eviction decided elsewhere (the Redis script, which every node mirrors): every event of {@code topic} (null:
 * the events without one) up to {@code id} is no longer held, for {@code reason}.
 */
public record Evicted(String topic, EventId id, History.Eviction reason) {
}
