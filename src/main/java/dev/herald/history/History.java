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
 * <p>On Redis it mirrors what the stream script holds, so every node decides a catch-up the same way. Not
 * thread-safe: its owner serialises access, so that an event's place here and its delivery happen as one step.
 */
public final class History {

    /** Why an event stopped being held. */
    public enum Eviction { SPACE, AGE }

    /**
     * Who decides what goes: this history ({@code HERE}, in memory), or the backbone, whose decisions come with each
     * event and are applied as they are ({@code MIRRORED}, on Redis), so that every node holds the same.
     */
    public enum Decisions { HERE, MIRRORED }

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
        this.base = ids.origin();
        this.newest = base;
    }

    public IdScheme ids() {
        return ids;
    }

    /** Holds a newer event, evicting what the bound and the age limit require: see {@link #append(Event, long, List)}. */
    public void append(Event event, long nowMillis) {
        append(event, nowMillis, List.of());
    }

    /**
     * Holds a newer event. {@code nowMillis} is when it arrived: its age counts from then, unless its id carries a
     * time of its own (a Redis id), so every node agrees. Deciding {@code HERE}, it evicts what the bound and the age
     * limit require; {@code MIRRORED}, it applies {@code decided}, the backbone's evictions for this event (and
     * evicts by itself only beyond its capacity, which nodes configured alike never reach).
     */
    public void append(Event event, long nowMillis, List<Evicted> decided) {
        if (event.id().compareTo(newest) <= 0) {
            throw new IllegalArgumentException("event " + event.id() + " is not after " + newest);
        }
        if (decisions == Decisions.MIRRORED) {
            decided.forEach(this::apply);
        }
        long bornAt = event.id().bornAt(nowMillis);
        hold(event, bornAt, forgotten::take);
        newest = event.id();
        if (maxAgeMillis > 0 && decisions == Decisions.HERE) {
            expire(bornAt);
        }
        while (held > capacity) {
            evictOldestOf(largestFirst.first(), Eviction.SPACE);
        }
        heldNow = held;
    }

    /** Evicts what is older than the age limit at {@code nowMillis}; the owner calls this now and then. */
    public void expire(long nowMillis) {
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
        held = 0;
        heldNow = 0;
        base = floor;
        newest = floor;
    }

    /**
     * Replaces what is held with what the backbone holds, as it is: {@code newest} is the backbone's position
     * (its newest event, held or not).
     */
    public void restore(HeldEvents stored, EventId newestId, long nowMillis) {
        clear(stored.base());
        Map<String, EventId> evicted = new HashMap<>();
        stored.evicted().forEach((topic, id) -> evicted.put(topic == null ? NO_TOPIC : topic, id));
        for (Event event : stored.events()) {
            hold(event, event.id().bornAt(nowMillis), evicted::get);
        }
        for (String name : stored.forgotten()) {
            String key = name == null ? NO_TOPIC : name;
            EventId id = evicted.get(key);
            if (id != null && !topics.containsKey(key)) {
                forgotten.forget(key, id);
            }
        }
        forgotten.fold(stored.folded());
        newest = newestId.compareTo(base) > 0 ? newestId : base;
        heldNow = held;
        while (held > capacity) {
            evictOldestOf(largestFirst.first(), Eviction.SPACE);
        }
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
        } else {
            detach(topic);
        }
        topic.add(event, bornAt);
        attach(topic);
        held++;
    }

    /** A decision of the backbone: its events up to the id go (those already gone, for age, are skipped). */
    private void apply(Evicted decided) {
        TopicEvents topic = topics.get(decided.topic() == null ? NO_TOPIC : decided.topic());
        while (topic != null && topic.size() > 0 && topic.oldest().id().compareTo(decided.id()) <= 0) {
            boolean last = topic.size() == 1;
            evictOldestOf(topic, decided.reason());
            if (last) {
                return;
            }
        }
    }

    private void evictOldestOf(TopicEvents topic, Eviction reason) {
        detach(topic);
        topic.evictOldest();
        held--;
        if (reason == Eviction.SPACE) {
            evictedForSpace++;
        } else {
            evictedForAge++;
        }
        if (topic.isEmpty()) {
            topics.remove(topic.key);
            forgotten.forget(topic.key, topic.evicted());
        } else {
            attach(topic);
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
