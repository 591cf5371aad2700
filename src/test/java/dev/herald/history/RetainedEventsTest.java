package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetainedEventsTest {

    private long sequence;

    private Event event(String topic) {
        return new Event(new RunId("abcdefgh", ++sequence), topic, "message", String.valueOf(sequence), null);
    }

    private static List<String> ids(RetainedEvents.Selection selection) {
        return selection.events().stream().map(e -> e.id().toString()).toList();
    }

    @Test
    void aNewerRetainedEventReplacesItsTopicsOne() {
        RetainedEvents retained = new RetainedEvents(10);
        retained.retain(event("a"));
        retained.retain(event("b"));
        Event newer = event("a");
        retained.retain(newer);

        RetainedEvents.Selection both = retained.select(RetainedEvents.Wanted.named(List.of("a", "b")), 10);

        assertEquals(List.of("abcdefgh-2", "abcdefgh-3"), ids(both), "oldest id first, a's first event replaced");
        assertEquals(newer, both.events().get(1));
        assertEquals(2, retained.size());
        assertFalse(both.truncated());
    }

    @Test
    void theBoundRefusesANewTopicButNeverAReplacement() {
        RetainedEvents retained = new RetainedEvents(2);
        retained.retain(event("a"));
        retained.retain(event("b"));

        assertFalse(retained.mayRetain(List.of("c")));
        assertTrue(retained.mayRetain(List.of("a")));
        assertTrue(retained.clear("b"));
        assertTrue(retained.mayRetain(List.of("c")));
        assertFalse(retained.mayRetain(List.of("c", "d")), "two new topics where one place is left");
    }

    @Test
    void clearingRemovesTheEventAndSaysWhetherThereWasOne() {
        RetainedEvents retained = new RetainedEvents(10);
        retained.retain(event("a"));

        assertTrue(retained.clear("a"));
        assertFalse(retained.clear("a"));
        assertEquals(List.of(), retained.select(RetainedEvents.Wanted.named(List.of("a")), 10).events());
        assertEquals(0, retained.size());
    }

    @Test
    void aSelectionBeyondTheLimitKeepsTheNewestOldestFirstAndSaysSo() {
        RetainedEvents retained = new RetainedEvents(10);
        for (String topic : List.of("a", "b", "c", "d")) {
            retained.retain(event(topic));
        }

        RetainedEvents.Selection named = retained.select(RetainedEvents.Wanted.named(List.of("d", "a", "c", "b")), 2);
        RetainedEvents.Selection matching = retained.select(RetainedEvents.Wanted.of(List.of(), List.of("*"), topic -> true), 2);
        RetainedEvents.Selection exact = retained.select(RetainedEvents.Wanted.of(List.of(), List.of("*"), topic -> true), 4);

        assertEquals(List.of("abcdefgh-3", "abcdefgh-4"), ids(named));
        assertTrue(named.truncated());
        assertEquals(List.of("abcdefgh-3", "abcdefgh-4"), ids(matching));
        assertTrue(matching.truncated());
        assertEquals(List.of("abcdefgh-1", "abcdefgh-2", "abcdefgh-3", "abcdefgh-4"), ids(exact));
        assertFalse(exact.truncated());
    }

    @Test
    void aWildcardSelectsTheTopicsUnderItThatThePredicateAccepts() {
        RetainedEvents retained = new RetainedEvents(10);
        for (String topic : List.of("orders/a", "likes", "orders/b/c", "orders")) {
            retained.retain(event(topic));
        }

        RetainedEvents.Selection orders = retained.select(
                RetainedEvents.Wanted.of(List.of(), List.of("orders/*"), topic -> true), 10);
        RetainedEvents.Selection filtered = retained.select(
                RetainedEvents.Wanted.of(List.of("likes"), List.of("*"), topic -> !topic.contains("b")), 10);
        RetainedEvents.Selection unknown = retained.select(RetainedEvents.Wanted.named(List.of("nothing")), 10);

        assertEquals(List.of("abcdefgh-1", "abcdefgh-3"), ids(orders));
        assertEquals(RetainedEvents.Selection.NONE, unknown);
        assertEquals(List.of("abcdefgh-1", "abcdefgh-2", "abcdefgh-4"), ids(filtered), "a name, and what * covers");
    }

    @Test
    void restoringReplacesEverything() {
        RetainedEvents retained = new RetainedEvents(10);
        retained.retain(event("a"));
        Event b = event("b");

        retained.restore(List.of(b));

        assertEquals(List.of(b), retained.all());
        assertEquals(1, retained.size());
    }
}
