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
 * What Redis stores, as a node that starts reads it: the keys {@link RetentionScripts} writes, and the delivery
 * stream's entries after the last stored decisions, read in one {@code MULTI}/{@code EXEC}, so no publish nor stored
 * decision comes between them, with plain commands (a script would copy every reply into Lua and back, which at
 * 100,000 held events blocked Redis for seconds).
 *
 * @param newest the delivery stream's newest entry ({@code 0-0} when empty): the reader goes on after it
 * @param trimmedUndecided whether the stream trimmed entries that no node had decided (then {@code held.base()} is
 *     just before its oldest entry left, and everything up to there counts as gone)
 * @param held the held events as decided, the stream's events after them, what each topic let go, and the retained
 *     events
 */
record HeldSnapshot(StreamId newest, boolean trimmedUndecided, HeldEvents held) {

    static HeldSnapshot read(Jedis jedis, String prefix) {
        String stream = prefix + RetentionScripts.EVENTS;
        // the stored decisions only move forward: the entries after these include all those after the ones read below
        String appliedBefore = jedis.get(prefix + RetentionScripts.APPLIED);
        StreamEntryID undecidedFrom = appliedBefore == null ? StreamEntryID.MINIMUM_ID
                : StreamEntries.entryId(parse(appliedBefore));
        Transaction read = jedis.multi();
        Response<List<StreamEntry>> tail = read.xrevrange(stream, StreamEntryID.MAXIMUM_ID, StreamEntryID.MINIMUM_ID,
                1);
        Response<List<StreamEntry>> oldest = read.xrange(stream, StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID,
                1);
        Response<List<StreamEntry>> undecided = read.xrange(stream, undecidedFrom, StreamEntryID.MAXIMUM_ID);
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
        StreamId start = since.get() == null ? newest : parse(since.get());
        StreamId decidedUpTo = applied.get() == null ? start : parse(applied.get());
        // entries after the decisions that the stream trimmed before any node stored them are gone: perhaps none,
        // but Redis cannot tell, so everything before the oldest entry left counts as gone (a reset, never a gap)
        StreamId base = start;
        boolean trimmedUndecided = false;
        if (!oldest.get().isEmpty()) {
            StreamId first = StreamEntries.id(oldest.get().get(0).getID());
            if (first.compareTo(decidedUpTo) > 0 && first.previous().compareTo(base) > 0) {
                base = first.previous();
                trimmedUndecided = true;
            }
        }

        Map<String, EventId> floors = new HashMap<>();
        evicted.get().forEach((topic, id) -> floors.put(RetentionScripts.topic(topic), parse(id)));
        List<Event> events = new ArrayList<>(held.get().size());
        held.get().forEach((id, fields) -> events.add(StreamEntries.heldEvent(id, fields)));
        for (StreamEntry entry : undecided.get()) {
            StreamId id = StreamEntries.id(entry.getID());
            if (id.compareTo(decidedUpTo) > 0 && StreamEntries.cleared(entry) == null) {
                events.add(StreamEntries.event(entry));
            }
        }
        events.sort(Comparator.comparing(Event::id));
        return new HeldSnapshot(newest, trimmedUndecided, new HeldEvents(base, decidedUpTo, events, floors,
                folded.get() == null ? null : parse(folded.get()),
                StreamEntries.retainedEvents(retained.get().values())));
    }

    private static StreamId parse(String id) {
        return StreamId.parse(id).orElseThrow(() -> new IllegalStateException("not a stream id: " + id));
    }
}
