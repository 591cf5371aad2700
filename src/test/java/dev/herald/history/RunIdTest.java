package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RunIdTest {

    @Test
    void printsAndParsesTheSameId() {
        RunId id = new RunId("abc12345", 42);

        assertEquals("abc12345-42", id.toString());
        assertEquals(Optional.of(id), RunId.parse("abc12345-42"));
    }

    @Test
    void ordersBySequenceNotByText() {
        RunId nine = RunId.parse("abc12345-9").orElseThrow();
        RunId ten = RunId.parse("abc12345-10").orElseThrow();

        assertTrue(nine.compareTo(ten) < 0);
        assertTrue("abc12345-9".compareTo("abc12345-10") > 0, "as text the order would be wrong");
    }

    @Test
    void refusesToOrderIdsOfDifferentRuns() {
        RunId a = new RunId("aaaaaaaa", 1);
        RunId b = new RunId("bbbbbbbb", 2);

        assertThrows(IllegalArgumentException.class, () -> a.compareTo(b));
    }

    @Test
    void doesNotParseOtherForms() {
        for (String text : new String[] {"1700000000000-0", "ABC12345-1", "abc1234-1", "abc12345-01", "abc12345-",
                "abc12345-1-2", "", "abc12345-99999999999999999999"}) {
            assertEquals(Optional.empty(), RunId.parse(text), text);
        }
    }

    @Test
    void newRunsStartWithALetterAndDiffer() {
        String run = RunId.newRun();

        assertTrue(run.matches("[a-z][a-z0-9]{7}"), run);
        assertNotEquals(run, RunId.newRun());
    }
}
