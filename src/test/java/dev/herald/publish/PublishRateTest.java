package dev.herald.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herald.web.ApiException;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class PublishRateTest {

    private static final long SECOND = 1_000_000_000L;
    private static final IntFunction<String> SINGLE = i -> "";

    @Test
    void countsEventsNotRequests() {
        PublishRate rate = new PublishRate(10, 5);

        rate.take("p", 4, EventBatchParser::at, 0);
        rate.take("p", 6, EventBatchParser::at, 0);
        ApiException e = assertThrows(ApiException.class, () -> rate.take("p", 1, SINGLE, 0));

        assertEquals(429, e.status());
        assertEquals("rate_limited", e.code());
        assertEquals("more than 10 events per second from this publisher", e.getMessage());
        assertEquals("1", e.headers().get("Retry-After"));
    }

    @Test
    void aRefusedBatchTakesNothingAndNamesTheFirstEventOverTheLimit() {
        PublishRate rate = new PublishRate(10, 10);
        rate.take("p", 7, EventBatchParser::at, 0);

        ApiException e = assertThrows(ApiException.class, () -> rate.take("p", 5, EventBatchParser::at, 0));

        assertEquals("events[3]: more than 10 events per second from this publisher", e.getMessage());
        rate.take("p", 3, EventBatchParser::at, 0);
    }

    @Test
    void theBucketHoldsAFullBatchEvenWhenTheRateIsLower() {
        PublishRate rate = new PublishRate(3, 100);

        rate.take("p", 100, EventBatchParser::at, 0);
        ApiException e = assertThrows(ApiException.class, () -> rate.take("p", 100, EventBatchParser::at, SECOND));
        // three a second: a full bucket again 33 s later, as the answer says
        assertEquals("33", e.headers().get("Retry-After"));
        assertThrows(ApiException.class, () -> rate.take("p", 100, EventBatchParser::at, 33 * SECOND));
        rate.take("p", 100, EventBatchParser::at, 34 * SECOND);
    }

    @Test
    void refillsAtTheRateUpToTheBucketAndKeepsPublishersApart() {
        PublishRate rate = new PublishRate(2, 1);
        rate.take("p", 2, EventBatchParser::at, 0);
        assertThrows(ApiException.class, () -> rate.take("p", 1, SINGLE, 0));

        rate.take("q", 2, EventBatchParser::at, 0);
        rate.take("p", 1, SINGLE, SECOND / 2);
        rate.take("p", 2, EventBatchParser::at, 100 * SECOND);
        assertThrows(ApiException.class, () -> rate.take("p", 1, SINGLE, 100 * SECOND));
    }
}
