package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.auth.TopicPattern;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random publish sequences over a few topics (and no topic), random capacities, ages and clients, some of them
 * with wildcards ({@code *}, {@code g/*}, ...) filtered as a private topic would filter them. Whatever the
 * sequence, a client gets either exactly the events of its topics after its {@code Last-Event-ID}, or a reset:
 * never a gap. And where the history can remember every topic by name, it resets only when an event the client
 * would have had is gone, and holds exactly what a plain model of the eviction order holds.
 */
class HistoryPropertyTest {

    private static final String RUN = "run00001";
    private static final List<String> TOPICS = List.of("t0", "g/t1", "g/t2", "g/h/t3", "h/t4", "t5");
    private static final List<String> WILDCARDS = List.of("*", "g/*", "g/h/*", "h/*");
    /** A private prefix: a client that may not listen to it gets none of its topics through a wildcard. */
    private static final String PRIVATE = "h/";

    /** One publish: its topic (null for none) and how many milliseconds after the one before it arrives. */
    record Publish(String topic, int gapMillis) {
    }

    /**
     * One client: the topics it names, the sequence number it last saw, its wildcards, and whether it may listen to
     * the private topics.
     */
    record Client(List<String> topics, int lastSeen, List<String> wildcards, boolean granted) {

        /** What the stream package's rule says its wildcards deliver: a matching pattern, and a listen check. */
        Predicate<String> covered() {
            if (wildcards.isEmpty()) {
                return null;
            }
            return topic -> wildcards.stream().anyMatch(w -> new TopicPattern(w).matches(topic))
                    && (granted || !topic.startsWith(PRIVATE));
        }

        boolean gets(String topic) {
            return topics.contains(topic) || (covered() != null && covered().test(topic));
        }
    }

    @Provide
    Arbitrary<List<Publish>> publishes() {
        Arbitrary<String> topic = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of(TOPICS.subList(0, 2))),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(TOPICS)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(null)));
        Arbitrary<Publish> publish = net.jqwik.api.Combinators.combine(topic, Arbitraries.integers().between(0, 40))
                .as(Publish::new);
        return publish.list().ofMinSize(0).ofMaxSize(120);
    }

    @Provide
    Arbitrary<List<Client>> clients() {
        Arbitrary<List<String>> topics = Arbitraries.of(TOPICS).set().ofMaxSize(3).map(ArrayList::new);
        Arbitrary<List<String>> wildcards = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(List.<String>of())),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(WILDCARDS).set().ofMinSize(1).ofMaxSize(2).map(ArrayList::new)));
        return net.jqwik.api.Combinators.combine(topics, Arbitraries.integers().between(0, 125), wildcards,
                Arbitraries.of(true, false)).as(Client::new).list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 3000)
    void aClientGetsExactlyWhatItMissedOrAReset(@ForAll("publishes") List<Publish> publishes,
            @ForAll("clients") List<Client> clients, @ForAll @IntRange(min = 1, max = 12) int capacity,
            @ForAll @IntRange(min = 0, max = 400) int maxAgeMillis) {
        History history = new History(RunId.scheme(RUN), History.Decisions.HERE, capacity, maxAgeMillis);
        Model model = new Model(capacity, maxAgeMillis);
        List<Event> published = new ArrayList<>();
        long now = 0;
        for (Publish publish : publishes) {
            now += publish.gapMillis();
            Event event = new Event(new RunId(RUN, published.size() + 1), publish.topic(), "message",
                    String.valueOf(published.size() + 1), null);
            published.add(event);
            history.append(event, now);
            model.append(event, now);
        }
        // every topic fits in the names the history remembers: then it is exact, not just safe
        boolean exact = TOPICS.size() + 1 <= capacity;

        for (Client client : clients) {
            Replay replay = history.after(RUN + "-" + client.lastSeen(), client.topics(), client.covered());
            if (client.lastSeen() > published.size()) {
                assertEquals(Replay.ResetReason.UNKNOWN_ID, replay.reset());
                continue;
            }
            List<Event> missed = published.stream()
                    .filter(e -> ((RunId) e.id()).sequence() > client.lastSeen())
                    .filter(e -> !e.hasTopic() || client.gets(e.topic()))
                    .toList();
            if (!replay.isReset()) {
                assertEquals(missed, replay.events(), "a gap, or something the client never asked for");
            } else {
                assertEquals(Replay.ResetReason.TOO_OLD, replay.reset());
            }
            if (exact) {
                boolean needed = !model.held.containsAll(missed);
                assertEquals(needed, replay.isReset(), "reset " + replay.isReset() + " for " + client
                        + " with " + model.held.size() + " held");
            }
        }
        assertEquals(model.held.size(), history.size());
        assertTrue(history.size() <= capacity);
    }

    /** The eviction order written the plain way: every choice by looking at everything held. */
    static final class Model {
        private final int capacity;
        private final int maxAgeMillis;
        final List<Event> held = new ArrayList<>();
        private final Map<Event, Long> bornAt = new java.util.HashMap<>();

        Model(int capacity, int maxAgeMillis) {
            this.capacity = capacity;
            this.maxAgeMillis = maxAgeMillis;
        }

        void append(Event event, long now) {
            held.add(event);
            bornAt.put(event, now);
            if (maxAgeMillis > 0) {
                held.removeIf(e -> bornAt.get(e) < now - maxAgeMillis);
            }
            while (held.size() > capacity) {
                Map<String, List<Event>> byTopic = held.stream()
                        .collect(Collectors.groupingBy(e -> Objects.requireNonNullElse(e.topic(), "")));
                List<Event> victimTopic = byTopic.values().stream()
                        .max(Comparator.<List<Event>>comparingInt(List::size)
                                .thenComparing(l -> l.get(0).id(), Comparator.reverseOrder()))
                        .orElseThrow();
                held.remove(victimTopic.get(0));
            }
        }
    }

    @Property(tries = 200)
    void holdsNoMoreThanItsCapacityWithManyTopics(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 300) Integer> topics,
            @ForAll @IntRange(min = 1, max = 50) int capacity) {
        History history = new History(RunId.scheme(RUN), History.Decisions.HERE, capacity, 0);
        int sequence = 0;
        for (int topic : topics) {
            history.append(new Event(new RunId(RUN, ++sequence), "t" + topic, "message", "x", null), 0);
            assertTrue(history.size() <= capacity);
        }
        assertEquals(Math.min(capacity, topics.size()), history.size());
        assertTrue(history.topicCount() <= capacity);
    }
}
