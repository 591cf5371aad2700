package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventIdTest {

    @Test
    void printsAndParsesTheSameId() {
        EventId id = new EventId("abc12345", 42);

        assertEquals("abc12345-42", id.toString());
        assertEquals(Optional.of(id), EventId.parse("abc12345-42"));
    }

    @Test
    void ordersBySequenceNotByText() {
        EventId nine = EventId.parse("abc12345-9").orElseThrow();
        EventId ten = EventId.parse("abc12345-10").orElseThrow();

        assertTrue(nine.compareTo(ten) < 0);
        assertTrue("abc12345-9".compareTo("abc12345-10") > 0, "as text the order would be wrong");
    }

    @Test
    void refusesToOrderIdsOfDifferentRuns() {
        EventId a = new EventId("aaaaaaaa", 1);
        EventId b = new EventId("bbbbbbbb", 2);

        assertThrows(IllegalArgumentException.class, () -> a.compareTo(b));
    }

    @Test
    void doesNotParseOtherForms() {
        for (String text : new String[] {"1700000000000-0", "ABC12345-1", "abc1234-1", "abc12345-01", "abc12345-",
                "abc12345-1-2", "", "abc12345-99999999999999999999"}) {
            assertEquals(Optional.empty(), EventId.parse(text), text);
        }
    }

    @Test
    void newRunsStartWithALetterAndDiffer() {
        String run = EventId.newRun();

        assertTrue(run.matches("[a-z][a-z0-9]{7}"), run);
        assertNotEquals(run, EventId.newRun());
    }
}
