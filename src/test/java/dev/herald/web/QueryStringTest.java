package dev.herald.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueryStringTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "topic=a", "topic=a%2Fb", "topic=%41%42", "topic=caf%C3%A9&envelope=json", "a=%ff"})
    void wellFormedQueriesPass(String raw) {
        assertTrue(QueryString.isWellFormed(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"topic=%", "topic=%%", "topic=%%%", "topic=%4", "topic=%G1", "topic=a%2", "a=%41%",
        "topic=%%41"})
    void brokenPercentEncodingIsRefused(String raw) {
        assertFalse(QueryString.isWellFormed(raw));
    }
}
