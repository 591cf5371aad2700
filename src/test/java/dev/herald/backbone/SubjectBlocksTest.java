package dev.herald.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SubjectBlocksTest {

    private static final Instant NOW = Instant.parse("2026-11-29T22:00:00Z");

    @Test
    void aSubjectIsBlockedUntilItsBlockEndsAndNotAfter() {
        SubjectBlocks blocks = new SubjectBlocks(10);
        blocks.block("alice", NOW.plusSeconds(5), NOW);

        assertEquals(NOW.plusSeconds(5), blocks.until("alice", NOW));
        assertEquals(NOW.plusSeconds(5), blocks.until("alice", NOW.plusMillis(4999)));
        assertNull(blocks.until("bob", NOW));
        assertNull(blocks.until("alice", NOW.plusSeconds(5)));
        assertNull(blocks.until("alice", NOW));
    }

    @Test
    void aNewBlockOfTheSameSubjectReplacesTheEarlierOneEvenWhenShorter() {
        SubjectBlocks blocks = new SubjectBlocks(10);
        blocks.block("alice", NOW.plusSeconds(3600), NOW);
        blocks.block("alice", NOW.plusSeconds(1), NOW);

        assertEquals(NOW.plusSeconds(1), blocks.until("alice", NOW));
    }

    @Test
    void whenFullOnlyExpiredBlocksMakeRoomAndNoBlockIsDropped() {
        SubjectBlocks blocks = new SubjectBlocks(2);
        blocks.block("a", NOW.plusSeconds(1), NOW);
        blocks.block("b", NOW.plusSeconds(60), NOW);

        assertThrows(Backbone.BlockedFullException.class, () -> blocks.block("c", NOW.plusSeconds(60), NOW));
        // a subject already blocked can always be blocked again
        blocks.block("b", NOW.plusSeconds(120), NOW);
        assertEquals(NOW.plusSeconds(120), blocks.until("b", NOW));

        // once a's block has ended, c takes its place; b is kept
        blocks.block("c", NOW.plusSeconds(61), NOW.plusSeconds(2));
        assertEquals(NOW.plusSeconds(61), blocks.until("c", NOW.plusSeconds(2)));
        assertEquals(NOW.plusSeconds(120), blocks.until("b", NOW.plusSeconds(2)));
        assertThrows(Backbone.BlockedFullException.class,
                () -> blocks.block("d", NOW.plusSeconds(60), NOW.plusSeconds(2)));
    }
}
