package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.web.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionTest {

    @Test
    void keepsTopicsInOrderWithoutRepeats() {
        Subscription s = Subscription.of(List.of("orders", "likes", "orders", "$presence"), null, null, null, 64);

        assertEquals(List.of("orders", "likes", "$presence"), s.topics());
        assertTrue(s.presence());
        assertFalse(s.envelope());
    }

    @Test
    void catchesUpOnItsOwnTopicsButNotOnHeraldsReservedOnes() {
        Subscription s = Subscription.of(List.of("orders", "$presence", "likes"), "true", null, null, 64);

        assertEquals(List.of("orders", "likes"), s.heldTopics());
        assertEquals(List.of("orders"), Subscription.of(List.of("orders"), null, null, null, 64).heldTopics());
        assertTrue(s.envelope());
    }

    @Test
    void refusesInvalidAndUnknownReservedTopics() {
        for (String topic : new String[] {"", "a b", "a\nb", "$other", "x".repeat(129)}) {
            ApiException e = assertThrows(ApiException.class, () -> Subscription.of(List.of(topic), null, null, null, 64));
            assertEquals("invalid_topic", e.code(), topic);
        }
    }

    @Test
    void refusesMoreTopicsThanTheLimit() {
        ApiException e = assertThrows(ApiException.class,
                () -> Subscription.of(List.of("a", "b", "c"), null, null, null, 2));

        assertEquals("too_many_topics", e.code());
        assertEquals(400, e.status());
    }

    @Test
    void refusesAnEnvelopeThatIsNotTrueOrFalse() {
        assertEquals("invalid_envelope",
                assertThrows(ApiException.class, () -> Subscription.of(List.of(), "yes", null, null, 64)).code());
    }

    @Test
    void theLastEventIdHeaderWinsOverTheQueryParameter() {
        assertEquals("abc12345-2", Subscription.of(List.of(), null, "abc12345-2", "abc12345-1", 64).lastEventId());
        assertEquals("abc12345-1", Subscription.of(List.of(), null, null, "abc12345-1", 64).lastEventId());
        assertEquals("abc12345-1", Subscription.of(List.of(), null, "", "abc12345-1", 64).lastEventId());
        assertNull(Subscription.of(List.of(), null, null, null, 64).lastEventId());
    }

    @Test
    void refusesALastEventIdThatNoServerCouldHaveSent() {
        for (String id : new String[] {"a b", "a\r\nevent: x", "x".repeat(65), "caf\u00e9"}) {
            ApiException e = assertThrows(ApiException.class, () -> Subscription.of(List.of(), null, id, null, 64));
            assertEquals("invalid_last_event_id", e.code(), id);
        }
    }

    @Test
    void acceptsTheTwoWildcardFormsEachCountingAsOneTopic() {
        Subscription s = Subscription.of(List.of("orders/*", "*", "orders/a", "a.b:c/d-e_f/*", "*"), null, null, null, 4);

        assertEquals(List.of("orders/*", "*", "orders/a", "a.b:c/d-e_f/*"), s.topics());
        assertEquals(List.of("orders/a"), s.heldTopics());
        assertTrue(s.hasWildcards());
        assertFalse(Subscription.of(List.of("orders"), null, null, null, 64).hasWildcards());
    }

    @Test
    void refusesEveryOtherUseOfTheStarAsAnInvalidTopic() {
        for (String topic : new String[] {"orders/x*", "orders*", "*/orders", "orders/*/a", "**", "orders/**", "/*",
                "*orders", "orders/*x", "$presence/*", "$*", "a b/*", "a\n/*", "*/*", "x".repeat(127) + "/*"}) {
            ApiException e = assertThrows(ApiException.class, () -> Subscription.of(List.of(topic), null, null, null, 64),
                    topic);
            assertEquals("invalid_topic", e.code(), topic);
            assertEquals(400, e.status(), topic);
        }
        assertEquals(List.of("x".repeat(126) + "/*"),
                Subscription.of(List.of("x".repeat(126) + "/*"), null, null, null, 64).topics());
    }
}
