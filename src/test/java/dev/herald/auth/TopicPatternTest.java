package dev.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

    @Test
    void theWildcardsOfASubscriptionAreTheStarAndAPrefixWithSlashStar() {
        assertTrue(TopicPattern.isWildcard("*"));
        assertTrue(TopicPattern.isWildcard("orders/*"));
        assertTrue(TopicPattern.isWildcard("a/b/*"));
        for (String other : new String[] {"orders", "orders/x*", "orders*", "*/a", "**", "/*", "a/*/b", "$presence/*",
                "a b/*", "x".repeat(127) + "/*"}) {
            assertFalse(TopicPattern.isWildcard(other), other);
        }
    }

    @Test
    void theWildcardsCoveringATopicAreExactlyThoseThatMatchIt() {
        List<String> topics = List.of("a", "a/b", "a/b/c", "a//b", "a/", "/a", "orders/42", "orders-eu/1", "x/y/z/w");
        Set<String> wildcards = new TreeSet<>(List.of("*"));
        for (String topic : topics) {
            for (int i = 0; i < topic.length(); i++) {
                if (topic.charAt(i) == '/') {
                    wildcards.add(topic.substring(0, i + 1) + "*");
                }
            }
        }
        wildcards.removeIf(w -> !TopicPattern.isWildcard(w));
        for (String topic : topics) {
            List<String> covering = TopicPattern.wildcardsCovering(topic);
            for (String wildcard : wildcards) {
                assertEquals(new TopicPattern(wildcard).matches(topic), covering.contains(wildcard),
                        wildcard + " for " + topic);
            }
        }
        assertEquals(List.of("*", "a/*", "a/b/*"), TopicPattern.wildcardsCovering("a/b/c"));
    }

    @Test
    void patternsOverlapWhenSomeTopicMatchesBoth() {
        assertTrue(overlap("*", "user/*"));
        assertTrue(overlap("*", "news"));
        assertTrue(overlap("a/*", "a/b/*"));
        assertTrue(overlap("a/*", "a/x"));
        assertTrue(overlap("a/b/*", "a/*"));
        assertTrue(overlap("a/*", "a/*"));
        assertTrue(overlap("news", "news"));
        assertFalse(overlap("a/*", "b/*"));
        assertFalse(overlap("a/*", "a"), "a/* does not cover a itself");
        assertFalse(overlap("ab/*", "a/*"));
        assertFalse(overlap("a/b/*", "a/x"));
        assertFalse(overlap("news", "weather"));
    }

    private static boolean overlap(String a, String b) {
        boolean one = new TopicPattern(a).overlaps(new TopicPattern(b));
        assertEquals(one, new TopicPattern(b).overlaps(new TopicPattern(a)), "symmetric: " + a + " " + b);
        return one;
    }
}
