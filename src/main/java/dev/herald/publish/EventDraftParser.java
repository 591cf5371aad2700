package dev.herald.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.web.ApiException;
import dev.herald.json.Json;
import dev.herald.history.EventDraft;
import dev.herald.history.Topics;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads a publish request into an {@link EventDraft}:
 * {@code {"topic":"orders","type":"order-shipped","data":{...},"retry":5000,"retain":true}}. Anything else is refused
 * with a 4xx before it can reach the wire. Each element of a batch is read here too.
 */
public final class EventDraftParser {

    private static final Set<String> FIELDS = Set.of("topic", "type", "data", "retry", "retain");
    static final int MIN_RETRY_MS = 1000;
    static final int MAX_RETRY_MS = 600_000;

    private EventDraftParser() {
    }

    /** Parses a UTF-8 JSON body. */
    public static EventDraft parse(byte[] body) {
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed_json", "the body is not valid UTF-8 JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw ApiException.badRequest("malformed_json", "the body is empty");
        }
        if (!root.isObject()) {
            throw ApiException.badRequest("invalid_body", "the body must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            String name = it.next().getKey();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("unknown_field", "unknown field '" + truncate(name)
                        + "'; allowed: topic, type, data, retry, retain");
            }
        }
        JsonNode data = root.get("data");
        if (data == null) {
            throw ApiException.badRequest("missing_data", "the field 'data' is required (any JSON value)");
        }
        String topic = topic(root.get("topic"));
        return new EventDraft(topic, type(root.get("type")), Json.write(data), retry(root.get("retry")),
                retain(root.get("retain"), topic));
    }

    private static boolean retain(JsonNode node, String topic) {
        if (node == null) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest("invalid_retain", "'retain' must be true or false");
        }
        if (node.booleanValue() && topic == null) {
            // a topic's retained event replaces the one before: an event for every client has no topic to hold it
            throw ApiException.badRequest("invalid_retain", "only an event with a 'topic' can be retained");
        }
        return node.booleanValue();
    }

    private static String topic(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest("invalid_topic", "'topic' must be a string");
        }
        String topic = node.textValue();
        if (Topics.isReserved(topic)) {
            throw new ApiException(403, "reserved_topic", "topics starting with '$' are Herald's own");
        }
        if (!Topics.isValidName(topic)) {
            throw ApiException.badRequest("invalid_topic",
                    "'topic' must be 1-" + Topics.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ : / -");
        }
        return topic;
    }

    private static String type(JsonNode node) {
        if (node == null) {
            return Topics.DEFAULT_TYPE;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest("invalid_type", "'type' must be a string");
        }
        String type = node.textValue();
        if (!Topics.isValidName(type)) {
            throw ApiException.badRequest("invalid_type",
                    "'type' must be 1-" + Topics.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ : / -");
        }
        if (Topics.RESERVED_TYPES.contains(type)) {
            throw ApiException.badRequest("reserved_type", "the type '" + type + "' is Herald's own");
        }
        return type;
    }

    private static Integer retry(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()
                || node.intValue() < MIN_RETRY_MS || node.intValue() > MAX_RETRY_MS) {
            throw ApiException.badRequest("invalid_retry",
                    "'retry' must be a whole number of milliseconds from " + MIN_RETRY_MS + " to " + MAX_RETRY_MS);
        }
        return node.intValue();
    }

    private static String truncate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
