package dev.herald.history;

/**
 * An event as a publisher sent it, validated, before the backbone gives it an id: {@code topic} null means every
 * client, {@code data} is compact JSON text, {@code retryMs} null means no {@code retry:} line.
 */
public record EventDraft(String topic, String type, String data, Integer retryMs) {
}
