package dev.herald.backbone.redis;

import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.HeldEvents;
import dev.herald.history.StreamId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.resps.StreamEntry;

/**
 * What Redis holds, as a node that starts reads it: the keys {@link RetentionScripts} writes, read in one
 * {@code MULTI}/{@code EXEC}, so no publish comes between them, with plain commands (a script would copy every reply
 * into Lua and back, which at 100,000 held events blocked Redis for seconds).
 *
 * @param newest the delivery stream's newest entry ({@code 0-0} when empty): the reader goes on after it
 * @param newestEvent its newest event (a clear's entry is no event: no client's Last-Event-ID may name it), the
 *     history's position, as on a node that read them live
 * @param held the held events, what each topic let go, and the retained events
 */
record HeldSnapshot(StreamId newest, StreamId newestEvent, HeldEvents held) {

    /**
     * Entries read from the end of the delivery stream, in the transaction, to find its newest event: only clears
     * can come after it, at most one per retained topic; when every one of them is a clear, the rest is read after.
     */
    private static final int TAIL = 100;

    static HeldSnapshot read(Jedis jedis, String prefix) {
        String stream = prefix + RetentionScripts.EVENTS;
        Transaction read = jedis.multi();
        Response<List<StreamEntry>> tail = read.xrevrange(stream, StreamEntryID.MAXIMUM_ID, StreamEntryID.MINIMUM_ID,
                TAIL);
        Response<String> since = read.get(prefix + RetentionScripts.SINCE);
        Response<String> folded = read.get(prefix + RetentionScripts.FOLDED);
        Response<List<String>> forgotten = read.zrange(prefix + RetentionScripts.FORGOTTEN, 0, -1);
        Response<Map<String, String>> evicted = read.hgetAll(prefix + RetentionScripts.EVICTED);
        Response<Map<String, String>> retained = read.hgetAll(prefix + RetentionScripts.RETAINED);
        Response<Map<String, String>> held = read.hgetAll(prefix + RetentionScripts.HELD);
        Response<Map<String, String>> topics = read.hgetAll(prefix + RetentionScripts.TOPICS);
        read.exec();

        List<StreamEntry> entries = tail.get();
        StreamId newest = entries.isEmpty() ? StreamId.ORIGIN : StreamEntries.id(entries.get(0).getID());
        StreamId newestEvent = newestEvent(jedis, stream, entries);
        // before the first publish of this layout, nothing in the delivery stream is held: as the script will record
        StreamId base = since.get() == null ? newest : parse(since.get());

        Map<String, EventId> floors = new HashMap<>();
        evicted.get().forEach((topic, id) -> floors.put(RetentionScripts.topic(topic), parse(id)));
        topics.get().forEach((topic, record) -> {
            String floor = RetentionScripts.floor(record);
            if (floor != null) {
                floors.put(RetentionScripts.topic(topic), parse(floor));
            }
        });
        List<String> forgottenTopics = forgotten.get().stream().map(RetentionScripts::topic).toList();
        List<Event> events = new ArrayList<>(held.get().size());
        held.get().forEach((id, fields) -> events.add(StreamEntries.heldEvent(id, fields)));
        events.sort(Comparator.comparing(Event::id));
        return new HeldSnapshot(newest, newestEvent, new HeldEvents(base, events, floors, forgottenTopics,
                folded.get() == null ? null : parse(folded.get()), StreamEntries.retainedEvents(retained.get().values())));
    }

    /**
     * The newest entry of {@code tail} (newest first) that is an event, else of the entries before it: entries never
     * change, so reading those after the transaction finds what it would have.
     */
    private static StreamId newestEvent(Jedis jedis, String stream, List<StreamEntry> tail) {
        List<StreamEntry> page = tail;
        while (!page.isEmpty()) {
            for (StreamEntry entry : page) {
                if (StreamEntries.cleared(entry) == null) {
                    return StreamEntries.id(entry.getID());
                }
            }
            if (page.size() < TAIL) {
                break;
            }
            page = jedis.xrevrange(stream, "(" + page.get(page.size() - 1).getID(), "-", TAIL);
        }
        return StreamId.ORIGIN;
    }

    private static StreamId parse(String id) {
        return StreamId.parse(id).orElseThrow(() -> new IllegalStateException("not a stream id: " + id));
    }
}
