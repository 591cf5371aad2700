package dev.herald.backbone.redis;

import dev.herald.history.Event;
import dev.herald.history.StreamId;
import dev.herald.history.EventDraft;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** An event as a stream entry: fields {@code type}, {@code data}, and {@code topic} and {@code retry} when set. */
final class StreamEntries {

    private static final String TOPIC = "topic";
    private static final String TYPE = "type";
    private static final String DATA = "data";
    private static final String RETRY = "retry";

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
        Map<String, String> fields = entry.getFields();
        String retry = fields.get(RETRY);
        return new Event(id(entry.getID()), fields.get(TOPIC), fields.get(TYPE), fields.get(DATA),
                retry == null ? null : Integer.valueOf(retry));
    }

    static StreamId id(StreamEntryID id) {
        return new StreamId(id.getTime(), id.getSequence());
    }

    static StreamEntryID entryId(StreamId id) {
        return new StreamEntryID(id.millis(), id.sequence());
    }
}
