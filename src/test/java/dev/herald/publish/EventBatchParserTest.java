package dev.herald.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.config.HeraldConfig;
import dev.herald.history.EventDraft;
import dev.herald.web.ApiException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventBatchParserTest {

    private static final int MAX_EVENTS = 3;
    private static final int EVENT_MAX_BYTES = 64;

    private static List<EventDraft> parse(String json) {
        return EventBatchParser.parse(json.getBytes(StandardCharsets.UTF_8), MAX_EVENTS, EVENT_MAX_BYTES);
    }

    private static PublishRequest read(String json, int eventMaxBytes, int batchMaxBytes) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return PublishRequest.read(new ByteArrayInputStream(body), body.length, eventMaxBytes,
                new HeraldConfig.Batch(MAX_EVENTS, batchMaxBytes));
    }

    @Test
    void readsEveryElementInOrderAsASingleEventWouldBeRead() {
        List<EventDraft> drafts = parse(" [ {\"data\":1}, {\"topic\":\"orders\",\"type\":\"shipped\",\"data\":{\"n\": 2},"
                + "\"retry\":5000},\n{\"data\":\"three\"} ] ");

        assertEquals(List.of(new EventDraft(null, "message", "1", null),
                new EventDraft("orders", "shipped", "{\"n\":2}", 5000),
                new EventDraft(null, "message", "\"three\"", null)), drafts);
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "[{\"data\":1},{\"data\":1,\"color\":\"red\"}] | 400 | unknown_field | events[1]: unknown field 'color'",
        "[{\"data\":1},{\"topic\":\"a\"}] | 400 | missing_data  | events[1]: the field 'data'",
        "[{\"topic\":\"a b\",\"data\":1}] | 400 | invalid_topic | events[0]: 'topic' must be",
        "[{\"data\":1},{\"data\":1},{\"topic\":\"$presence\",\"data\":1}] | 403 | reserved_topic | events[2]: topics starting",
        "[{\"type\":7,\"data\":1}] | 400 | invalid_type  | events[0]: 'type' must be",
        "[{\"data\":1},{\"type\":\"welcome\",\"data\":1}] | 400 | reserved_type | events[1]: the type",
        "[{\"data\":1,\"retry\":5}] | 400 | invalid_retry | events[0]: 'retry' must be",
        "[{\"data\":1},{\"data\":1,\"data\":2}] | 400 | malformed_json | events[1]: the body is not",
        "[{\"data\":1},{\"data\":] | 400 | malformed_json | events[1]: the body is not",
        "[{\"data\":1}, | 400 | malformed_json | events[1]: the body is not",
        "[{\"data\":1} | 400 | malformed_json | events[1]: the body is not",
        "[{\"data\":1}] x | 400 | malformed_json | the body is not valid",
        "[{\"data\":1}] {} | 400 | malformed_json | the body is not valid",
        "[] | 400 | invalid_body  | the array holds no event",
        "[[{\"data\":1}]] | 400 | invalid_body  | events[0]: each event must be a JSON object, not an array",
        "[{\"data\":1},2] | 400 | invalid_body  | events[1]: each event must be a JSON object, not a number",
        "[{\"data\":1},null] | 400 | invalid_body  | events[1]: each event must be a JSON object, not null",
        "[\"x\"] | 400 | invalid_body  | events[0]: each event must be a JSON object, not a string",
        "[{\"data\":1},{\"data\":2},{\"data\":3},{\"data\":4}] | 400 | too_many_events | events[3]: a batch holds",
        "[{\"data\":1},{\"data\":\"0123456789012345678901234567890123456789012345678901234\"}] | 413 | body_too_large |"
            + " events[1]: the event is over 64 bytes",
    })
    void refusesTheWholeBatchNamingTheEventAtFault(String json, int status, String code, String detail) {
        ApiException e = assertThrows(ApiException.class, () -> parse(json));

        assertEquals(status, e.status(), e.getMessage());
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(detail), e.getMessage());
    }

    @Test
    void reportsTheFirstFaultInTheArraysOrder() {
        ApiException e = assertThrows(ApiException.class,
                () -> parse("[{\"data\":1},{\"color\":1},{\"topic\":\"$x\",\"data\":1},[],5]"));

        assertEquals("unknown_field", e.code());
        assertTrue(e.getMessage().startsWith("events[1]: "), e.getMessage());
    }

    @Test
    void anElementOfExactlyTheEventLimitPassesAndOneByteMoreDoesNot() {
        String exactly = "{\"data\":\"" + "x".repeat(EVENT_MAX_BYTES - 11) + "\"}";
        assertEquals(EVENT_MAX_BYTES, exactly.length());

        assertEquals(1, parse("[" + exactly + "]").size());
        ApiException e = assertThrows(ApiException.class, () -> parse("[" + exactly.replace("{", "{ ") + "]"));
        assertEquals(413, e.status());
    }

    @Test
    void theArrayFormAndTheObjectFormAreToldApartAfterWhitespace() {
        assertTrue(EventBatchParser.isBatch(" \r\n\t[{\"data\":1}]".getBytes(StandardCharsets.UTF_8)));
        assertFalse(EventBatchParser.isBatch(" {\"data\":1}".getBytes(StandardCharsets.UTF_8)));
        assertFalse(EventBatchParser.isBatch(new byte[0]));
    }

    @Test
    void anObjectBodyIsOneEventWithinTheEventLimit() {
        PublishRequest single = read("{\"data\":1}", 256, 1024);

        assertFalse(single.batch());
        assertEquals(List.of(new EventDraft(null, "message", "1", null)), single.events());
        assertEquals("", single.at(0));
        ApiException e = assertThrows(ApiException.class,
                () -> read("{\"data\":\"" + "x".repeat(300) + "\"}", 256, 1024));
        assertEquals("body_too_large", e.code());
        assertEquals("the body is over 256 bytes", e.getMessage());
    }

    @Test
    void anArrayBodyMayExceedTheEventLimitButNotTheBatchLimit() {
        String event = "{\"data\":\"" + "x".repeat(200) + "\"}";
        PublishRequest batch = read("[" + event + "," + event + "]", 256, 1024);

        assertTrue(batch.batch());
        assertEquals(2, batch.events().size());
        assertEquals("events[1]: ", batch.at(1));
        ApiException e = assertThrows(ApiException.class,
                () -> read("[" + event + "," + event + "," + event + "]", 256, 512));
        assertEquals(413, e.status());
        assertEquals("body_too_large", e.code());
        assertEquals("the body is over 512 bytes", e.getMessage());
        // a deployment whose batches may be smaller than one event
        ApiException small = assertThrows(ApiException.class, () -> read("[" + event + "," + event + "]", 1024, 256));
        assertEquals("the batch is over 256 bytes (herald.publish.batch-max-bytes)", small.getMessage());
    }

    @Test
    void arraysNestedInArraysAreRefusedAtTheFirstElement() {
        ApiException e = assertThrows(ApiException.class,
                () -> read("[".repeat(2000) + "]".repeat(2000), 256, 1 << 20));

        assertEquals(400, e.status());
        assertEquals("invalid_body", e.code());
        assertTrue(e.getMessage().startsWith("events[0]: "), e.getMessage());
    }
}
