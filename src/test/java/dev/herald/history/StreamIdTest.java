package dev.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Stream ids as Redis writes them and as clients send them back. */
class StreamIdTest {

    @Test
    void everyIdHeraldMakesParsesBack() {
        // the id before a first sequence number ends in the greatest long: a client may be handed it, and a node
        // reads it from retention:since
        StreamId before = new StreamId(1_796_046_655_181L, 0).previous();
        assertEquals("1796046655180-9223372036854775807", before.toString());
        assertEquals(Optional.of(before), StreamId.parse(before.toString()));
        assertEquals(Optional.of(new StreamId(Long.MAX_VALUE, 0)), StreamId.parse("9223372036854775807-0"));
    }

    @Test
    void whatNoLongHoldsIsNoId() {
        for (String text : new String[] {"9223372036854775808-0", "1-9223372036854775808", "1-99999999999999999999",
                "01-1", "1-01", "-1-1", "1", "1-", "1-2-3", ""}) {
            assertTrue(StreamId.parse(text).isEmpty(), text);
        }
    }
}
