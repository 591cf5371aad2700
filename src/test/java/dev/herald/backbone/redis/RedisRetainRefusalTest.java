package dev.herald.backbone.redis;

import static dev.herald.backbone.redis.RecordingListener.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herald.backbone.Backbone;
import dev.herald.config.RedisUri;
import dev.herald.history.EventDraft;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Until the publish script keeps retained events for every node, the Redis backbone refuses a retain and a clear
 * rather than keeping them on one node or dropping the flag; nothing is stored.
 */
class RedisRetainRefusalTest {

    private final RedisProcess redis = new RedisProcess().start();
    private RedisBackbone backbone;

    @AfterEach
    void stop() {
        if (backbone != null) {
            backbone.close();
        }
        redis.close();
    }

    @Test
    void aRetainAndAClearAreRefusedAndStoreNothing() throws InterruptedException {
        RecordingListener listener = new RecordingListener();
        backbone = new RedisBackbone(RedisUri.parse(redis.uri()), 10, 0);
        backbone.start(listener);
        next(listener.loaded);

        assertThrows(Backbone.RetainUnsupportedException.class,
                () -> backbone.publish(new EventDraft("orders", "message", "1", null, true), null));
        assertThrows(Backbone.RetainUnsupportedException.class, () -> backbone.clearRetained("orders"));
        Backbone.Published plain = backbone.publish(new EventDraft("orders", "message", "2", null), null);

        assertEquals(plain.id(), next(listener.stored).id(), "the refused event was stored");
        assertEquals(0, listener.retained.size());
    }
}
