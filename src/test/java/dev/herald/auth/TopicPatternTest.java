package dev.herald.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicPatternTest {

    @Test
    void aPrefixCoversEverythingUnderItButNotItself() {
        TopicPattern orders = new TopicPattern("orders/*");

        assertTrue(orders.matches("orders/a"));
        assertTrue(orders.matches("orders/a/b"));
        assertFalse(orders.matches("orders"));
        assertFalse(orders.matches("orders-eu/a"));
        assertFalse(orders.matches(null));
    }

    @Test
    void anExactNameCoversOnlyItself() {
        assertTrue(new TopicPattern("orders").matches("orders"));
        assertFalse(new TopicPattern("orders").matches("orders/a"));
    }

    @Test
    void onlyTheStarCoversEventsWithoutATopic() {
        assertTrue(new TopicPattern("*").matches(null));
        assertTrue(new TopicPattern("*").matches("anything/at/all"));
    }
}
