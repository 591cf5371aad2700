package dev.herald.stream;

import dev.herald.auth.TopicPattern;
import dev.herald.history.Topics;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The streams that subscribed with wildcards ({@code orders/*}, {@code *}), by wildcard. Streams that name their
 * topics only never come here, and their deliveries cost nothing more ({@link Routes}).
 *
 * <p>Cost of an event of topic {@code t}: one look-up per wildcard that can cover {@code t}
 * ({@link TopicPattern#wildcardsCovering}: {@code *}, {@code a/*}, {@code a/b/*}, O(the depth of t)), never a scan
 * of the wildcard streams; then O(1) per stream found. A stream found through several of its entries gets the
 * event once: a stamp per stream (this router's broadcast count) and a look-up in its names (those went through
 * the named route) decide that, no set per event. Whether {@code t} is private is asked once per event, and each
 * stream is asked whether it may listen only then. Guarded by the hub's lock.
 */
final class WildcardRoutes {

    private final Map<String, Route> byWildcard = new HashMap<>();
    private final Map<Subscriber, Entry> streams = new HashMap<>();
    /** Broadcasts so far: the stamp that tells a stream already sent this event. */
    private long broadcasts;

    /** An event in the forms a stream may want, each encoded once and only when a stream wants it. */
    interface Encoded {
        OutboundSseEvent form(boolean envelope);
    }

    boolean isEmpty() {
        return byWildcard.isEmpty();
    }

    void add(Subscriber subscriber, TopicEntries entries) {
        if (!entries.hasWildcards()) {
            return;
        }
        Entry entry = new Entry(subscriber, entries);
        streams.put(subscriber, entry);
        for (String wildcard : entries.wildcards()) {
            byWildcard.computeIfAbsent(wildcard, w -> new Route()).add(entry);
        }
    }

    void remove(Subscriber subscriber) {
        Entry entry = streams.remove(subscriber);
        if (entry == null) {
            return;
        }
        for (String wildcard : entry.entries.wildcards()) {
            Route route = byWildcard.get(wildcard);
            if (route != null && route.remove(entry)) {
                byWildcard.remove(wildcard);
            }
        }
    }

    /** Sends an event of {@code topic} to the wildcard streams that get it and did not by name; never a $ topic. */
    void broadcast(String topic, Encoded event) {
        if (Topics.isReserved(topic)) {
            return;
        }
        long stamp = ++broadcasts;
        Boolean needsGrant = null;
        for (String wildcard : TopicPattern.wildcardsCovering(topic)) {
            Route route = byWildcard.get(wildcard);
            if (route == null) {
                continue;
            }
            for (Entry entry : route.entries()) {
                if (entry.sentAt == stamp) {
                    continue;
                }
                entry.sentAt = stamp;
                if (entry.entries.names(topic)) {
                    continue;
                }
                if (needsGrant == null) {
                    needsGrant = entry.entries.needsGrant(topic);
                }
                if (needsGrant && !entry.entries.mayListen(topic)) {
                    continue;
                }
                entry.subscriber.send(event.form(entry.envelope));
            }
        }
    }

    /** A wildcard stream, with the stamp of the last broadcast that reached it. */
    private static final class Entry {
        final Subscriber subscriber;
        final TopicEntries entries;
        final boolean envelope;
        long sentAt;

        Entry(Subscriber subscriber, TopicEntries entries) {
            this.subscriber = subscriber;
            this.entries = entries;
            this.envelope = subscriber.client().envelope();
        }
    }

    /** The streams of one wildcard, walked as an array that is rebuilt after a change, as OrderedBroadcaster does. */
    private static final class Route {
        private static final Entry[] NONE = {};
        private final Set<Entry> members = new LinkedHashSet<>();
        private Entry[] snapshot = NONE;
        private boolean changed;

        void add(Entry entry) {
            changed |= members.add(entry);
        }

        /** True when none is left. */
        boolean remove(Entry entry) {
            changed |= members.remove(entry);
            return members.isEmpty();
        }

        Entry[] entries() {
            if (changed) {
                snapshot = members.toArray(NONE);
                changed = false;
            }
            return snapshot;
        }
    }
}
