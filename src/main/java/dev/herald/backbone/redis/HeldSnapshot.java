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
 * What Redis stores, as a node that starts reads it: the keys {@link RetentionScripts} writes, read in one
 * {@code MULTI}/{@code EXEC}, so no publish nor stored decision comes between them, with plain commands (a script
 * would copy every reply into Lua and back, which at 100,000 held events blocked Redis for seconds).
 *
 * @param newest the delivery stream's newest entry ({@code 0-0} when empty): the reader goes on after it; every
 *     event up to it is in {@code held}, decided or not
 * @param held the held events, what each topic let go, and the retained events
 */
record HeldSnapshot(StreamId newest, HeldEvents held) {

    static HeldSnapshot read(Jedis jedis, String prefix) {
        Transaction read = jedis.multi();
        Response<List<StreamEntry>> tail = read.xrevrange(prefix + RetentionScripts.EVENTS, StreamEntryID.MAXIMUM_ID,
                StreamEntryID.MINIMUM_ID, 1);
        Response<String> since = read.get(prefix + RetentionScripts.SINCE);
        Response<String> applied = read.get(prefix + RetentionScripts.APPLIED);
        Response<String> folded = read.get(prefix + RetentionScripts.FOLDED);
        Response<Map<String, String>> evicted = read.hgetAll(prefix + RetentionScripts.EVICTED);
        Response<Map<String, String>> retained = read.hgetAll(prefix + RetentionScripts.RETAINED);
        Response<Map<String, String>> held = read.hgetAll(prefix + RetentionScripts.HELD);
        read.exec();

        List<StreamEntry> entries = tail.get();
        StreamId newest = entries.isEmpty() ? StreamId.ORIGIN : StreamEntries.id(entries.get(0).getID());
        // RetentionScripts.START sets both before any node reads
        StreamId base = since.get() == null ? newest : parse(since.get());
        StreamId decidedUpTo = applied.get() == null ? base : parse(applied.get());

        Map<String, EventId> floors = new HashMap<>();
        evicted.get().forEach((topic, id) -> floors.put(RetentionScripts.topic(topic), parse(id)));
        List<Event> events = new ArrayList<>(held.get().size());
        held.get().forEach((id, fields) -> events.add(StreamEntries.heldEvent(id, fields)));
        events.sort(Comparator.comparing(Event::id));
        return new HeldSnapshot(newest, new HeldEvents(base, decidedUpTo, events, floors,
                folded.get() == null ? null : parse(folded.get()), StreamEntries.retainedEvents(retained.get().values())));
    }

    private static StreamId parse(String id) {
        return StreamId.parse(id).orElseThrow(() -> new IllegalStateException("not a stream id: " + id));
    }
}
