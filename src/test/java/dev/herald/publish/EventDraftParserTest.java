package dev.herald.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herald.history.EventDraft;
import dev.herald.web.ApiException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EventDraftParserTest {

    private static EventDraft parse(String json) {
        return EventDraftParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAFullEvent() {
        EventDraft draft = parse("{\"topic\":\"orders\",\"type\":\"order-shipped\",\"data\":{\"id\":7},\"retry\":5000}");

        assertEquals(new EventDraft("orders", "order-shipped", "{\"id\":7}", 5000), draft);
    }

    @Test
    void defaultsToTypeMessageWithoutTopicOrRetry() {
        EventDraft draft = parse("{\"data\":\"hi\"}");

        assertEquals(new EventDraft(null, "message", "\"hi\"", null), draft);
        assertNull(draft.topic());
    }

    @Test
    void keepsDataAsCompactJsonWithNumbersAsWritten() {
        EventDraft draft = parse("{ \"data\" : { \"price\" : 1.10, \"big\": 123456789012345678901234567890,"
                + " \"list\": [ 1, 2.5e3, null, true ], \"text\": \"line\\nbreak \u00e9\" } }");

        assertEquals("{\"price\":1.10,\"big\":123456789012345678901234567890,\"list\":[1,2.5E+3,null,true],"
                + "\"text\":\"line\\nbreak \u00e9\"}", draft.data());
    }

    @Test
    void acceptsNullAsData() {
        assertEquals("null", parse("{\"data\":null}").data());
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "{\"data\":1                                   | 400 | malformed_json",
        "''                                            | 400 | malformed_json",
        "{\"data\":1}{}                                | 400 | malformed_json",
        "{\"data\":1,\"data\":2}                       | 400 | malformed_json",
        "[1,2]                                         | 400 | invalid_body",
        "{\"topic\":\"a\"}                             | 400 | missing_data",
        "{\"data\":1,\"extra\":true}                   | 400 | unknown_field",
        "{\"data\":1,\"topic\":5}                      | 400 | invalid_topic",
        "{\"data\":1,\"topic\":null}                   | 400 | invalid_topic",
        "{\"data\":1,\"topic\":\"\"}                   | 400 | invalid_topic",
        "{\"data\":1,\"topic\":\"a b\"}                | 400 | invalid_topic",
        "{\"data\":1,\"topic\":\"a\\r\\nid: 9\"}       | 400 | invalid_topic",
        "{\"data\":1,\"topic\":\"$presence\"}          | 403 | reserved_topic",
        "{\"data\":1,\"topic\":\"$anything\"}          | 403 | reserved_topic",
        "{\"data\":1,\"type\":[]}                      | 400 | invalid_type",
        "{\"data\":1,\"type\":\"x\\ndata: evil\"}      | 400 | invalid_type",
        "{\"data\":1,\"type\":\"welcome\"}             | 400 | reserved_type",
        "{\"data\":1,\"type\":\"join\"}                | 400 | reserved_type",
        "{\"data\":1,\"retry\":999}                    | 400 | invalid_retry",
        "{\"data\":1,\"retry\":600001}                 | 400 | invalid_retry",
        "{\"data\":1,\"retry\":\"5000\"}               | 400 | invalid_retry",
        "{\"data\":1,\"retry\":5000.5}                 | 400 | invalid_retry",
        "{\"data\":1,\"retry\":99999999999999}         | 400 | invalid_retry",
        "{\"data\":1,\"topic\":\"a\",\"retain\":\"true\"} | 400 | invalid_retain",
        "{\"data\":1,\"topic\":\"a\",\"retain\":1}      | 400 | invalid_retain",
        "{\"data\":1,\"topic\":\"a\",\"retain\":null}   | 400 | invalid_retain",
        "{\"data\":1,\"retain\":true}                  | 400 | invalid_retain",
    })
    void refusesBadInputWithAStableCode(String body, int status, String code) {
        ApiException e = assertThrows(ApiException.class, () -> parse(body));

        assertEquals(status, e.status());
        assertEquals(code, e.code());
    }

    @Test
    void readsRetainAsABooleanThatDefaultsToFalse() {
        assertEquals(new EventDraft("a", "message", "1", null, true), parse("{\"topic\":\"a\",\"data\":1,\"retain\":true}"));
        assertEquals(new EventDraft("a", "message", "1", null, false),
                parse("{\"topic\":\"a\",\"data\":1,\"retain\":false}"));
        assertEquals(false, parse("{\"topic\":\"a\",\"data\":1}").retain());
        // nothing to retain, nothing refused: an event for every client that says it is not retained
        assertEquals(false, parse("{\"data\":1,\"retain\":false}").retain());
    }

    @Test
    void refusesATopicLongerThan128Characters() {
        String topic = "t".repeat(129);

        ApiException e = assertThrows(ApiException.class, () -> parse("{\"data\":1,\"topic\":\"" + topic + "\"}"));

        assertEquals("invalid_topic", e.code());
        assertEquals("t".repeat(128), parse("{\"data\":1,\"topic\":\"" + "t".repeat(128) + "\"}").topic());
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] body = {'{', '"', 'd', 'a', 't', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        ApiException e = assertThrows(ApiException.class, () -> EventDraftParser.parse(body));

        assertEquals("malformed_json", e.code());
    }
}
