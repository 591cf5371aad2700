package dev.herald.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * What a reader asks for: the retained events of {@code names}, and of the topics that {@code wildcards}
     * ({@code prefix/*}, {@code *}) cover and {@code covered} accepts (a wildcard is filtered by listen rights and
     * never covers a {@code $} topic).
     */
    public record Wanted(Collection<String> names, Collection<String> wildcards, Predicate<String> covered) {

        /** The retained events of these topics: one look-up each. */
        public static Wanted named(Collection<String> names) {
            return new Wanted(names, List.of(), topic -> false);
        }

        public static Wanted of(Collection<String> names, Collection<String> wildcards, Predicate<String> covered) {
            return new Wanted(names, wildcards, covered);
        }
    }

    /** Retained events, oldest id first; {@code truncated} when more were wanted than the limit let through. */
    public record Selection(List<Event> events, boolean truncated) {

        public static final Selection NONE = new Selection(List.of(), false);
    }

    private final int maxTopics;
    /** By topic, in the topics' order: a wildcard {@code prefix/*} finds its topics as one range. */
    private final TreeMap<String, Event> byTopic = new TreeMap<>();
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

    /** Whether retaining an event of each of {@code topics} (distinct) stays within the bound: replacing always does. */
    public boolean mayRetain(Collection<String> topics) {
        long added = topics.stream().filter(topic -> !byTopic.containsKey(topic)).count();
        return byTopic.size() + added <= maxTopics;
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
     * {@code limit} of them, marked truncated. Cost: a look-up per name; for {@code prefix/*}, O(log n) to find the
     * prefix in the topics' order and then the topics under it; for {@code *}, a walk from the newest event that stops
     * after {@code limit + 1} matches. So a wildcard costs what it matches, not what is retained elsewhere.
     */
    public Selection select(Wanted wanted, int limit) {
        Set<Event> found = new HashSet<>();
        for (String name : wanted.names()) {
            Event event = byTopic.get(name);
            if (event != null) {
                found.add(event);
            }
        }
        for (String wildcard : wanted.wildcards()) {
            if (wildcard.equals("*")) {
                int matched = 0;
                for (Event event : byId.descendingMap().values()) {
                    if (matched > limit) {
                        break;
                    }
                    if (wanted.names().contains(event.topic()) || wanted.covered().test(event.topic())) {
                        found.add(event);
                        matched++;
                    }
                }
            } else {
                // prefix/* covers the topics that start with "prefix/", which sort together
                String under = wildcard.substring(0, wildcard.length() - 1);
                for (Event event : byTopic.subMap(under, true, under + Character.MAX_VALUE, false).values()) {
                    if (wanted.covered().test(event.topic())) {
                        found.add(event);
                    }
                }
            }
        }
        if (found.isEmpty()) {
            return Selection.NONE;
        }
        List<Event> events = new ArrayList<>(found);
        events.sort(Comparator.comparing(Event::id));
        boolean truncated = events.size() > limit;
        return new Selection(truncated ? List.copyOf(events.subList(events.size() - limit, events.size())) : events,
                truncated);
    }

    /** Every retained event, oldest id first: what a snapshot holds. */
    public List<Event> all() {
        return List.copyOf(byId.values());
    }
}
