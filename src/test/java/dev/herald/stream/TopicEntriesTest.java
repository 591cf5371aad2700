package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.auth.Listeners;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicEntriesTest {

    private static final List<String> PRIVATE = List.of("user/*");

    @Test
    void deliversItsNamesWhatItsWildcardsCoverAndEventsWithoutATopic() {
        TopicEntries entries = TopicEntries.of(List.of("news", "orders/*", "$presence"), Listeners.nobody(PRIVATE));

        assertTrue(entries.delivers("news"));
        assertTrue(entries.delivers("orders/a"));
        assertTrue(entries.delivers("orders/a/b"));
        assertTrue(entries.delivers("$presence"));
        assertTrue(entries.delivers(null));
        assertFalse(entries.delivers("orders"));
        assertFalse(entries.delivers("sports"));
    }

    @Test
    void aWildcardNeverCoversADollarTopicWhateverTheGrant() {
        TopicEntries everything = TopicEntries.of(List.of("*"), Listeners.token(null, List.of("*"), PRIVATE));

        assertTrue(everything.delivers("anything/at/all"));
        assertFalse(everything.delivers("$presence"));
        assertFalse(everything.delivers("$admin"));
    }

    @Test
    void aWildcardCoversAPrivateTopicOnlyWhereItsSubscriberMayListen() {
        TopicEntries anonymous = TopicEntries.of(List.of("*"), Listeners.nobody(PRIVATE));
        TopicEntries alice = TopicEntries.of(List.of("user/*"), Listeners.token("alice", List.of(), PRIVATE));
        TopicEntries support = TopicEntries.of(List.of("*"), Listeners.token("support", List.of("user/*"), PRIVATE));

        assertTrue(anonymous.delivers("news"));
        assertFalse(anonymous.delivers("user/alice"));
        assertTrue(alice.delivers("user/alice"));
        assertFalse(alice.delivers("user/bob"));
        assertTrue(support.delivers("user/bob"));
        assertTrue(Listeners.anyone().mayListen("user/bob"));
    }

    @Test
    void withNamesOnlyTheCatchUpLooksAtNoOtherTopic() {
        assertNull(TopicEntries.of(List.of("news", "$presence"), Listeners.anyone()).covered());
        assertFalse(TopicEntries.of(List.of("news"), Listeners.anyone()).hasWildcards());
    }
}
