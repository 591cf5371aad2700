package dev.herald.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The published events this node holds for catch-up, at most {@code capacity} in all, kept per topic. When full,
 * the oldest event of the topic holding the most goes first (ties: the topic whose oldest event is oldest), so a
 * busy topic gives way before a quiet one loses anything; with a maximum age, older events go whatever their topic.
 * Events without a topic count as one topic.
 *
 * <p>A client is caught up when nothing it would have received after its {@code Last-Event-ID} was evicted: per
 * topic, the history knows the newest event it evicted. For topics it holds nothing of any more, it remembers that
 * by name for as many topics as it holds events ({@link ForgottenTopics}), and beyond that one id for all of them;
 * where it cannot tell, a client gets a reset, never a gap.
 *
 * <p>On Redis every node decides alike ({@link Decisions#SHARED}): from the events in the stream's order and the time
 * each id carries, never its own clock, so every node decides a catch-up the same way; it records what it decided
 * ({@link #drainChanges}) for Redis to store, so that a node that starts holds the same. Not thread-safe: its owner
 * serialises access, so that an event's place here and its delivery happen as one step.
 */
public final class History {

    /** Why an event stopped being held. */
    public enum Eviction { SPACE, AGE }

    /** How this history decides what goes, and for whom. */
    public enum Decisions {
        /** For this node alone (in memory): ages count by its clock too, and a sweep expires events now and then. */
        HERE,
        /**
         * Alike on every node of a cluster (Redis): from the events in the stream's order and the time each id
         * carries alone, so an event that arrives expires what it outlived, and no sweep runs by this node's clock;
         * every decision is recorded until {@link #drainChanges}, for the backbone to store.
         */
        SHARED
    }

    /** The key of events without a topic: no topic name is empty. */
    static final String NO_TOPIC = "";

    private final IdScheme ids;
    private final Decisions decisions;
    private final int capacity;
    /** 0 for no age limit. */
    private final long maxAgeMillis;
    private final Map<String, TopicEvents> topics = new HashMap<>();
    private final TreeSet<TopicEvents> largestFirst = new TreeSet<>(TopicEvents.LARGEST_FIRST);
    /** Only with an age limit: the topics by the age of their oldest event. */
    private final TreeSet<TopicEvents> oldestFirst;
    private final ForgottenTopics forgotten;
    /** What was decided since the last drain: recorded only deciding SHARED. */
    private final DecisionLog log;
    private int held;
    /** Everything up to here is gone for every topic: the start of this history, or what Redis had trimmed. */
    private EventId base;
    private EventId newest;
    // written under the owner's lock, read by metrics without it
    private volatile int heldNow;
    private volatile long evictedForSpace;
    private volatile long evictedForAge;

    /**
     * @param maxAgeMillis events older than this are evicted whatever their topic; 0 for no age limit
     */
    public History(IdScheme ids, Decisions decisions, int capacity, long maxAgeMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be positive: " + capacity);
        }
        this.ids = ids;
        this.decisions = decisions;
        this.capacity = capacity;
        this.maxAgeMillis = maxAgeMillis;
        this.oldestFirst = maxAgeMillis > 0 ? new TreeSet<>(TopicEvents.OLDEST_FIRST) : null;
        this.forgotten = new ForgottenTopics(capacity);
        this.log = decisions == Decisions.SHARED ? new DecisionLog() : DecisionLog.NONE;
        this.base = ids.origin();
        this.newest = base;
    }

    public IdScheme ids() {
        return ids;
    }

    /**
     * Holds a newer event, evicting what the bound and the age limit require. {@code nowMillis} is when it arrived:
     * its age counts from then, unless its id carries a time of its own (a Redis id), so every node agrees.
     */
    public void append(Event event, long nowMillis) {
        if (event.id().compareTo(newest) <= 0) {
            throw new IllegalArgumentException("event " + event.id() + " is not after " + newest);
        }
        long bornAt = event.id().bornAt(nowMillis);
        hold(event, bornAt, forgotten::take);
        newest = event.id();
        log.took(event);
        expireAt(bornAt);
        while (held > capacity) {
            evictOldestOf(largestFirst.first(), Eviction.SPACE);
        }
        heldNow = held;
    }

    /**
     * Evicts what is older than the age limit at {@code nowMillis}; the owner calls this now and then. Deciding
     * {@code SHARED}, nothing: there only the events' own ids tell the time, so that every node agrees.
     */
    public void expire(long nowMillis) {
        if (decisions == Decisions.HERE) {
            expireAt(nowMillis);
        }
    }

    private void expireAt(long nowMillis) {
        if (maxAgeMillis == 0) {
            return;
        }
        long cutoff = nowMillis - maxAgeMillis;
        while (!oldestFirst.isEmpty() && oldestFirst.first().oldestBornAt() < cutoff) {
            evictOldestOf(oldestFirst.first(), Eviction.AGE);
        }
        heldNow = held;
    }

    /** Holds nothing, and everything up to {@code floor} is gone: events were lost to this node. */
    public void clear(EventId floor) {
        topics.clear();
        largestFirst.clear();
        if (oldestFirst != null) {
            oldestFirst.clear();
        }
        forgotten.clear();
        log.clear();
        held = 0;
        heldNow = 0;
        base = floor;
        newest = floor;
    }

    /**
     * Replaces what is held with what the backbone stores: the events and floors as decided up to
     * {@code stored.decidedUpTo()}, then the events after it, decided here as every node decides them (and recorded,
     * as any decision is). Its newest is then the newest of those, the backbone's position.
     */
    public void restore(HeldEvents stored, long nowMillis) {
        clear(stored.base());
        Map<String, EventId> evicted = new HashMap<>();
        stored.evicted().forEach((topic, id) -> evicted.put(topic == null ? NO_TOPIC : topic, id));
        List<Event> undecided = new ArrayList<>();
        for (Event event : stored.events()) {
            if (event.id().compareTo(stored.decidedUpTo()) <= 0) {
                hold(event, event.id().bornAt(nowMillis), evicted::get);
            } else {
                undecided.add(event);
            }
        }
        evicted.forEach((key, id) -> {
            if (!topics.containsKey(key)) {
                forgot(forgotten.forget(key, id));
            }
        });
        forgotten.fold(stored.folded());
        newest = stored.decidedUpTo().compareTo(base) > 0 ? stored.decidedUpTo() : base;
        heldNow = held;
        while (held > capacity) {
            evictOldestOf(largestFirst.first(), Eviction.SPACE);
        }
        for (Event event : undecided) {
            append(event, nowMillis);
        }
    }

    /**
     * What was decided since the last call, as of now, and forgets it: deciding {@code SHARED}, the backbone calls
     * this at most every 20 ms or 1,000 events (so what is recorded stays within their evictions); {@code HERE}, no
     * change is ever recorded.
     */
    public RetentionChanges drainChanges() {
        return log.drain(newest, key -> {
            TopicEvents topic = topics.get(key);
            return topic != null ? topic.evicted() : forgotten.remembered(key);
        }, forgotten.folded());
    }

    /** The id of the newest event, or the floor (at first the origin, e.g. {@code run-0}) when none is held. */
    public EventId newestId() {
        return newest;
    }

    /**
     * The held events after {@code lastEventId} for a client of {@code topicNames} (events without a topic are
     * always its too), oldest first; or a reset when one of them is no longer held, or the id is not one of ours.
     */
    public Replay after(String lastEventId, Collection<String> topicNames) {
        return after(lastEventId, topicNames, null);
    }

    /**
     * As {@link #after(String, Collection)}, for a client that also gets every topic {@code covered} accepts (its
     * wildcards, filtered by what it may listen to; null for none). Those are looked for among the topics this
     * history remembers: the ones it holds events of, and the ones it remembers by name. A topic it no longer
     * remembers by name may be covered too, so an id older than the folded one ({@link ForgottenTopics}) is a
     * reset: never a gap. Cost: O(H + F) calls of {@code covered}, H topics held and F remembered by name, both at
     * most the capacity, plus sorting what is replayed; a client without wildcards pays for its own topics only.
     */
    public Replay after(String lastEventId, Collection<String> topicNames, Predicate<String> covered) {
        IdScheme.Parsed parsed = ids.parse(lastEventId);
        if (parsed.reset() != null) {
            return reset(parsed.reset());
        }
        EventId last = parsed.id();
        if (last.compareTo(newest) > 0) {
            return reset(Replay.ResetReason.UNKNOWN_ID);
        }
        Collection<String> keys = topicNames;
        if (covered != null) {
            if (forgotten.evictedAfter(last, key -> !key.equals(NO_TOPIC) && covered.test(key))) {
                return reset(Replay.ResetReason.TOO_OLD);
            }
            keys = new LinkedHashSet<>(topicNames);
            for (String key : topics.keySet()) {
                if (!key.equals(NO_TOPIC) && covered.test(key)) {
                    keys.add(key);
                }
            }
        }
        if (evictedAfter(NO_TOPIC, last)) {
            return reset(Replay.ResetReason.TOO_OLD);
        }
        for (String name : keys) {
            if (evictedAfter(name, last)) {
                return reset(Replay.ResetReason.TOO_OLD);
            }
        }
        List<Event> missed = new ArrayList<>();
        addAfter(NO_TOPIC, last, missed);
        int sources = missed.isEmpty() ? 0 : 1;
        for (String name : keys) {
            int before = missed.size();
            addAfter(name, last, missed);
            sources += missed.size() > before ? 1 : 0;
        }
        if (sources > 1) {
            missed.sort(Comparator.comparing(Event::id));
        }
        return new Replay(missed, null, newest);
    }

    /** Whether {@code lastEventId} is an id of this history's form that is newer than anything held. */
    public boolean isAhead(String lastEventId) {
        IdScheme.Parsed parsed = ids.parse(lastEventId);
        return parsed.id() != null && parsed.id().compareTo(newest) > 0;
    }

    /** How many events are held now; may be read without the owner's lock. */
    public int size() {
        return heldNow;
    }

    /** How many events were evicted for {@code reason} since this history began; may be read without the lock. */
    public long evicted(Eviction reason) {
        return reason == Eviction.SPACE ? evictedForSpace : evictedForAge;
    }

    /** How many topics hold events now. */
    int topicCount() {
        return topics.size();
    }

    private boolean evictedAfter(String key, EventId last) {
        TopicEvents topic = topics.get(key);
        EventId evicted = topic != null ? topic.evicted() : forgotten.evicted(key);
        return base.compareTo(last) > 0 || (evicted != null && evicted.compareTo(last) > 0);
    }

    private void addAfter(String key, EventId last, List<Event> into) {
        TopicEvents topic = topics.get(key);
        if (topic != null) {
            topic.addAfter(last, into);
        }
    }

    /** Adds {@code event} to its topic; a topic held anew starts from what {@code evictedOf} says it let go. */
    private void hold(Event event, long bornAt, Function<String, EventId> evictedOf) {
        String key = keyOf(event);
        TopicEvents topic = topics.get(key);
        if (topic == null) {
            topic = new TopicEvents(key, evictedOf.apply(key));
            topics.put(key, topic);
            if (topic.evicted() != null) {
                // what it let go may come from the folded id: stored, so that a node that starts finds it as is
                log.floorChanged(key);
            }
        } else {
            detach(topic);
        }
        topic.add(event, bornAt);
        attach(topic);
        held++;
    }

    private void evictOldestOf(TopicEvents topic, Eviction reason) {
        detach(topic);
        Event gone = topic.evictOldest();
        log.evicted(gone.id(), topic.key);
        held--;
        if (reason == Eviction.SPACE) {
            evictedForSpace++;
        } else {
            evictedForAge++;
        }
        if (topic.isEmpty()) {
            topics.remove(topic.key);
            forgot(forgotten.forget(topic.key, topic.evicted()));
        } else {
            attach(topic);
        }
    }

    /** {@code key}, when not null, is no longer remembered by name: its floor went into the folded id. */
    private void forgot(String key) {
        if (key != null) {
            log.floorChanged(key);
        }
    }

    /** Out of the ordered sets before its size or oldest event changes: they are keyed on both. */
    private void detach(TopicEvents topic) {
        largestFirst.remove(topic);
        if (oldestFirst != null) {
            oldestFirst.remove(topic);
        }
    }

    private void attach(TopicEvents topic) {
        largestFirst.add(topic);
        if (oldestFirst != null) {
            oldestFirst.add(topic);
        }
    }

    private static String keyOf(Event event) {
        return event.hasTopic() ? event.topic() : NO_TOPIC;
    }

    private Replay reset(Replay.ResetReason reason) {
        return new Replay(List.of(), reason, newest);
    }
}
