package dev.herald.backbone.redis;

import static dev.herald.backbone.redis.RecordingListener.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.history.Event;
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
    private final StreamReader reader = new StreamReader(pool, "test:", 3, listener, new Outage("test"));

    @AfterEach
    void stop() {
        pool.close();
        redis.close();
    }

    private static void add(Jedis jedis, long millis) {
        jedis.xadd(STREAM, new StreamEntryID(millis, 0), Map.of("type", "message", "data", String.valueOf(millis)));
    }

    @Test
    void aReaderThatFellBehindTheTrimmingSaysSoInsteadOfSkippingAndReadsTheRetainedEventsAgain()
            throws InterruptedException {
        try (Jedis jedis = pool.getResource()) {
            // a retain and a clear were among what was trimmed: this is what Redis holds after them
            jedis.hset("test:retained", "orders",
                    "[\"3-0\",[\"topic\",\"orders\",\"type\",\"message\",\"data\",\"3\"]]");
            add(jedis, 1);
            reader.load(jedis);
            assertEquals(new StreamId(1, 0), reader.last());
            for (long millis = 2; millis <= 6; millis++) {
                add(jedis, millis);
            }
            // what MAXLEN ~ does to a stream whose reader is far behind: 2-0 to 4-0 are gone unread
            jedis.xtrim(STREAM, 2, false);

            reader.read(jedis, false);
        }

        assertEquals(new StreamId(4, Long.MAX_VALUE), next(listener.lost));
        assertEquals(List.of("5", "6"), List.of(next(listener.stored).data(), next(listener.stored).data()));
        List<Event> reloaded = next(listener.reloaded);
        assertEquals(List.of(new StreamId(3, 0)), reloaded.stream().map(Event::id).toList());
        assertEquals("orders", reloaded.get(0).topic());
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
        assertTrue(listener.reloaded.isEmpty(), "nothing read again without a loss");
    }
}
