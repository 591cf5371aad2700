package dev.herald.backbone.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.history.Event;
import dev.herald.json.Json;
import dev.herald.history.StreamId;
import dev.herald.history.EventDraft;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * An event as a stream entry: fields {@code type}, {@code data}, and {@code topic} and {@code retry} when set; in the
 * delivery stream also {@code retain} = {@code 1} when it became its topic's retained event. The delivery stream also
 * holds entries that are no events: {@code cleared} = topic, a retained event cleared.
 */
final class StreamEntries {

    private static final String TOPIC = "topic";
    private static final String TYPE = "type";
    private static final String DATA = "data";
    private static final String RETRY = "retry";
    private static final String RETAIN = "retain";
    private static final String CLEARED = "cleared";

    private StreamEntries() {
    }

    /** Field and value, alternating, in a fixed order. */
    static List<String> fields(EventDraft draft) {
        return fields(draft.topic(), draft.type(), draft.data(), draft.retryMs());
    }

    /** The same fields and values, as a map in the same order: what an {@code XADD} of one event sends. */
    static Map<String, String> fieldMap(EventDraft draft) {
        List<String> fields = fields(draft);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i += 2) {
            map.put(fields.get(i), fields.get(i + 1));
        }
        return map;
    }

    private static List<String> fields(String topic, String type, String data, Integer retryMs) {
        List<String> fields = new ArrayList<>(8);
        if (topic != null) {
            fields.add(TOPIC);
            fields.add(topic);
        }
        fields.add(TYPE);
        fields.add(type);
        fields.add(DATA);
        fields.add(data);
        if (retryMs != null) {
            fields.add(RETRY);
            fields.add(retryMs.toString());
        }
        return fields;
    }

    static Event event(StreamEntry entry) {
        return event(id(entry.getID()), entry.getFields());
    }

    /** Whether the delivery entry's event also became its topic's retained event. */
    static boolean retained(StreamEntry entry) {
        return "1".equals(entry.getFields().get(RETAIN));
    }

    /** The topic whose retained event a delivery entry clears, or null when the entry is an event. */
    static String cleared(StreamEntry entry) {
        return cleared(entry.getFields());
    }

    static String cleared(Map<String, String> fields) {
        return fields.get(CLEARED);
    }

    /** A retained event as {@code herald:retained} holds it: {@code [id, [field, value, ...]]} in JSON. */
    private static Event retainedEvent(String json) {
        JsonNode node = Json.tree(json);
        return event(node.get(0).asText(), node.get(1));
    }

    /** The retained events of {@code herald:retained}'s values, in id order. */
    static List<Event> retainedEvents(Collection<String> json) {
        List<Event> retained = new ArrayList<>(json.size());
        json.forEach(value -> retained.add(retainedEvent(value)));
        retained.sort(Comparator.comparing(Event::id));
        return retained;
    }

    /** An event's fields and values, alternating, as a JSON array: its value in {@code herald:held}. */
    static String heldJson(Event event) {
        return Json.write(fields(event.topic(), event.type(), event.data(), event.retryMs()));
    }

    /** A held event as {@code herald:held} holds it: its id, and its fields and values alternating in JSON. */
    static Event heldEvent(String id, String json) {
        return event(id, Json.tree(json));
    }

    /** An event from its id and a JSON array of its fields and values, alternating, as the publish script stores it. */
    private static Event event(String id, JsonNode pairs) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            fields.put(pairs.get(i).asText(), pairs.get(i + 1).asText());
        }
        return event(StreamId.parse(id).orElseThrow(), fields);
    }

    private static Event event(StreamId id, Map<String, String> fields) {
        String retry = fields.get(RETRY);
        return new Event(id, fields.get(TOPIC), fields.get(TYPE), fields.get(DATA),
                retry == null ? null : Integer.valueOf(retry));
    }

    static StreamId id(StreamEntryID id) {
        return new StreamId(id.getTime(), id.getSequence());
    }

    static StreamEntryID entryId(StreamId id) {
        return new StreamEntryID(id.millis(), id.sequence());
    }
}
