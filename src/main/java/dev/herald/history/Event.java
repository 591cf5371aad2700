package dev.herald.history;

/**
 * One event as Herald delivers it. Published events have an id and are kept in the history; presence events
 * ({@code join}, {@code leave}) have none. {@code data} is compact JSON text, {@code topic} null means every client.
 */
public record Event(EventId id, String topic, String type, String data, Integer retryMs) {

    public boolean hasTopic() {
        return topic != null;
    }
}
