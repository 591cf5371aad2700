package dev.herald.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Each topic's retained event: the last event published to it with {@code "retain": true}, kept apart from the
 * history (its eviction never touches them) until a newer one replaces it or it is cleared. At most
 * {@code maxTopics} topics have one; {@link #mayRetain} is the question a backbone that leaves the bound to this
 * node (memory) asks before it stores the event. Not thread-safe: the hub owns it, under its lock, so that an event
 * is retained and delivered in one step.
 *
 * <p>Memory, per topic: an entry in each of two maps (about 80 bytes with compressed references), the {@link Event}
 * and its id (about 56), the strings of its topic and data (about 40 each, plus their characters; the default type
 * is shared): about 250 bytes plus the topic name and the data. bench/retained.sh measures it.
 */
public final class RetainedEvents {

    /** What a reader asks for; see {@link Wanted#named} and {@link Wanted#matching}. */
    public record Wanted(Collection<String> names, Predicate<String> allowed) {

        /** The retained events of these topics: one lookup each. */
        public static Wanted named(Collection<String> names) {
            return new Wanted(names, topic -> true);
        }

        /**
         * The retained events of every topic that {@code allowed} accepts (a wildcard, filtered by listen rights):
         * a scan, newest first, that stops once it has enough.
         */
        public static Wanted matching(Predicate<String> allowed) {
            return new Wanted(null, allowed);
        }
    }

    /** Retained events, oldest id first; {@code truncated} when more were wanted than the limit let through. */
    public record Selection(List<Event> events, boolean truncated) {

        public static final Selection NONE = new Selection(List.of(), false);
    }

    private final int maxTopics;
    private final Map<String, Event> byTopic = new HashMap<>();
    private final TreeMap<EventId, Event> byId = new TreeMap<>();
    /** Written under the owner's lock, read by metrics without it. */
    private volatile int size;

    public RetainedEvents(int maxTopics) {
        if (maxTopics < 1) {
            throw new IllegalArgumentException("the retained topics' bound must be positive: " + maxTopics);
        }
        this.maxTopics = maxTopics;
    }

    public int maxTopics() {
        return maxTopics;
    }

    /** Whether retaining an event of {@code topic} stays within the bound: replacing one always does. */
    public boolean mayRetain(String topic) {
        return byTopic.containsKey(topic) || byTopic.size() < maxTopics;
    }

    /**
     * {@code event} is its topic's retained event from now on, replacing the one before. Not refused here: a backbone
     * that decides the bound itself (Redis) has decided, and this node mirrors it.
     */
    public void retain(Event event) {
        if (!event.hasTopic()) {
            throw new IllegalArgumentException("an event without a topic cannot be retained");
        }
        Event before = byTopic.put(event.topic(), event);
        if (before != null) {
            byId.remove(before.id());
        }
        byId.put(event.id(), event);
        size = byTopic.size();
    }

    /** Clears {@code topic}'s retained event; false when it had none. */
    public boolean clear(String topic) {
        Event before = byTopic.remove(topic);
        if (before == null) {
            return false;
        }
        byId.remove(before.id());
        size = byTopic.size();
        return true;
    }

    /** Replaces everything with {@code events} (a backbone's snapshot at start). */
    public void restore(List<Event> events) {
        byTopic.clear();
        byId.clear();
        events.forEach(this::retain);
        size = byTopic.size();
    }

    /** How many topics have a retained event. */
    public int size() {
        return size;
    }

    /**
     * The retained events {@code wanted}, at most {@code limit}, oldest id first: when there are more, the newest
     * {@code limit} of them, marked truncated.
     */
    public Selection select(Wanted wanted, int limit) {
        List<Event> newestFirst = new ArrayList<>();
        boolean truncated = false;
        if (wanted.names() != null) {
            for (String name : wanted.names()) {
                Event event = byTopic.get(name);
                if (event != null && wanted.allowed().test(name)) {
                    newestFirst.add(event);
                }
            }
            newestFirst.sort(Comparator.comparing(Event::id, Comparator.reverseOrder()));
            if (newestFirst.size() > limit) {
                newestFirst.subList(limit, newestFirst.size()).clear();
                truncated = true;
            }
        } else {
            for (Event event : byId.descendingMap().values()) {
                if (wanted.allowed().test(event.topic())) {
                    if (newestFirst.size() == limit) {
                        truncated = true;
                        break;
                    }
                    newestFirst.add(event);
                }
            }
        }
        if (newestFirst.isEmpty()) {
            return truncated ? new Selection(List.of(), true) : Selection.NONE;
        }
        Collections.reverse(newestFirst);
        return new Selection(newestFirst, truncated);
    }

    /** Every retained event, oldest id first: what a snapshot holds. */
    public List<Event> all() {
        return List.copyOf(byId.values());
    }
}
