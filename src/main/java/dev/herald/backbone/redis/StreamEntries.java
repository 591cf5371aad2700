package dev.herald.backbone.redis;

import dev.herald.history.Event;
import dev.herald.history.StreamId;
import dev.herald.history.EventDraft;
import dev.herald.history.Evicted;
import dev.herald.history.History;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * An event as a stream entry: fields {@code type}, {@code data}, and {@code topic} and {@code retry} when set; in the
 * delivery stream also {@code evicted}, what its publish evicted.
 */
final class StreamEntries {

    private static final String TOPIC = "topic";
    private static final String TYPE = "type";
    private static final String DATA = "data";
    private static final String RETRY = "retry";
    private static final String EVICTED = "evicted";

    private StreamEntries() {
    }

    /** Field and value, alternating, in a fixed order. */
    static List<String> fields(EventDraft draft) {
        List<String> fields = new ArrayList<>(8);
        if (draft.topic() != null) {
            fields.add(TOPIC);
            fields.add(draft.topic());
        }
        fields.add(TYPE);
        fields.add(draft.type());
        fields.add(DATA);
        fields.add(draft.data());
        if (draft.retryMs() != null) {
            fields.add(RETRY);
            fields.add(draft.retryMs().toString());
        }
        return fields;
    }

    static Event event(StreamEntry entry) {
        return event(id(entry.getID()), entry.getFields());
    }

    /** An entry as a script returns it: its id, then its fields and values alternating. */
    static Event event(List<?> entry) {
        List<?> pairs = (List<?>) entry.get(1);
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            fields.put((String) pairs.get(i), (String) pairs.get(i + 1));
        }
        return event(StreamId.parse((String) entry.get(0)).orElseThrow(), fields);
    }

    /** What the publish of {@code entry} evicted: {@code reason topic id}, repeated, in its {@code evicted} field. */
    static List<Evicted> evicted(StreamEntry entry) {
        String field = entry.getFields().get(EVICTED);
        if (field == null) {
            return List.of();
        }
        String[] words = field.split(" ");
        List<Evicted> evicted = new ArrayList<>(words.length / 3);
        for (int i = 0; i + 2 < words.length; i += 3) {
            History.Eviction reason = words[i].equals("age") ? History.Eviction.AGE : History.Eviction.SPACE;
            evicted.add(new Evicted(RetentionScripts.topic(words[i + 1]), StreamId.parse(words[i + 2]).orElseThrow(),
                    reason));
        }
        return evicted;
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
