package dev.herald.backbone.redis;

import static dev.herald.backbone.redis.RecordingListener.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.history.Event;
import dev.herald.history.HeldEvents;
import dev.herald.history.StreamId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.StreamEntryID;

/** The stream reader, one step at a time, against a real redis-server. */
class StreamReaderTest {

    private static final String STREAM = "test:events";

    private final RedisProcess redis = new RedisProcess().start();
    private final JedisPool pool = new JedisPool("127.0.0.1", redis.port());
    private final RecordingListener listener = new RecordingListener();
    private final StreamReader reader = new StreamReader(pool, "test:", 3, 0, listener, new Outage("test"));

    @AfterEach
    void stop() {
        pool.close();
        redis.close();
    }

    private static void add(Jedis jedis, long millis) {
        jedis.xadd(STREAM, new StreamEntryID(millis, 0), Map.of("type", "message", "data", String.valueOf(millis)));
    }

    @Test
    void aReaderThatFellBehindTheTrimmingSaysSoInsteadOfSkippingAndLoadsWhatRedisStoresAgain()
            throws InterruptedException {
        try (Jedis jedis = pool.getResource()) {
            add(jedis, 1);
            reader.load(jedis);
            next(listener.loaded);
            assertEquals(new StreamId(1, 0), reader.last());
            for (long millis = 2; millis <= 6; millis++) {
                add(jedis, millis);
            }
            // a retain and a clear were among what was trimmed: this is what Redis holds after them
            jedis.hset("test:retained", "orders",
                    "[\"3-0\",[\"topic\",\"orders\",\"type\",\"message\",\"data\",\"3\"]]");
            // what MAXLEN ~ does to a stream whose reader is far behind: 2-0 to 4-0 are gone unread
            jedis.xtrim(STREAM, 2, false);

            reader.read(jedis, false);
        }

        assertEquals(new StreamId(4, Long.MAX_VALUE), next(listener.lost));
        HeldEvents reloaded = next(listener.loaded);
        assertEquals(List.of(new StreamId(3, 0)), reloaded.retained().stream().map(Event::id).toList());
        assertEquals("orders", reloaded.retained().get(0).topic());
        // what was read is in what it loaded: handed over once, not again
        assertTrue(listener.stored.isEmpty(), listener.stored.toString());
        assertEquals(new StreamId(6, 0), reader.last());
    }

    @Test
    void aReaderThatKeptUpReadsEverythingAndReportsNoLoss() throws InterruptedException {
        try (Jedis jedis = pool.getResource()) {
            add(jedis, 1);
            reader.load(jedis);
            for (long millis = 2; millis <= 4; millis++) {
                add(jedis, millis);
            }
            add(jedis, 5);
            // trimmed, but not beyond the entry it read last: nothing it has not read is gone
            jedis.xtrim(STREAM, 5, false);

            reader.read(jedis, true);
        }

        List<Event> stored = List.of(next(listener.stored), next(listener.stored), next(listener.stored),
                next(listener.stored));
        assertEquals(List.of("2", "3", "4", "5"), stored.stream().map(Event::data).toList());
        assertTrue(listener.lost.isEmpty(), listener.lost.toString());
        assertEquals(1, listener.loaded.size(), "loaded again without a loss");
    }
}
