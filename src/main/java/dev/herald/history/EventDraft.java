package dev.herald.history;

/**
 * An event as a publisher sent it, validated, before the backbone gives it an id: {@code topic} null means every
 * client, {@code data} is compact JSON text, {@code retryMs} null means no {@code retry:} line, {@code retain}: the
 * event also becomes its topic's retained event (only with a topic).
 */
public record EventDraft(String topic, String type, String data, Integer retryMs, boolean retain) {

    public EventDraft {
        if (retain && topic == null) {
            throw new IllegalArgumentException("only an event with a topic can be retained");
        }
    }

    /** An event that is not retained. */
    public EventDraft(String topic, String type, String data, Integer retryMs) {
        this(topic, type, data, retryMs, false);
    }
}
