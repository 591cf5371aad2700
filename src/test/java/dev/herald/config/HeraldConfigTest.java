package dev.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeraldConfigTest {

    @Test
    void usesTheDocumentedDefaultsWhenNothingIsSet() {
        HeraldConfig config = HeraldConfig.read(key -> null);

        assertEquals(new HeraldConfig(3000, 15, 10_000, 64, 65_536, 1000, null, false, null, null, List.of("user/*"),
                new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
                new HeraldConfig.Batch(100, 1_048_576), 100_000, 1000), config);
    }

    @Test
    void readsEachKeyTyped() {
        Map<String, String> values = Map.of(
                "herald.retry.ms", "5000",
                "herald.heartbeat.seconds", " 2 ",
                "herald.history.size", "7",
                "herald.limits.topics-per-connection", "3",
                "herald.event.max-bytes", "1024",
                "herald.subscriber.queue-size", "9",
                "herald.redis.uri", "redis://127.0.0.1:7000/2",
                "herald.open", "true",
                "herald.jwt.secret", "0123456789abcdef0123456789abcdef",
                "herald.jwt.public-key", "/etc/herald/key.pem");
        values = new java.util.HashMap<>(values);
        values.put("herald.topics.private", " ");
        values.put("herald.publish.batch-max", "10");
        values.put("herald.publish.batch-max-bytes", "4096");
        values.put("herald.retained.max-topics", "5");
        values.put("herald.limits.retained-per-stream", "2");

        assertEquals(new HeraldConfig(5000, 2, 7, 3, 1024, 9, RedisUri.parse("redis://127.0.0.1:7000/2"), true,
                "0123456789abcdef0123456789abcdef", "/etc/herald/key.pem", List.of(),
                new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
                new HeraldConfig.Batch(10, 4096), 5, 2),
                HeraldConfig.read(values::get));
    }

    @Test
    void refusesAValueThatIsNotANumberNamingTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> HeraldConfig.read(Map.of("herald.history.size", "lots")::get));

        assertTrue(e.getMessage().contains("herald.history.size"), e.getMessage());
    }

    @Test
    void refusesAValueOutOfRangeNamingTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> HeraldConfig.read(Map.of("herald.heartbeat.seconds", "0")::get));

        assertTrue(e.getMessage().contains("herald.heartbeat.seconds"), e.getMessage());
    }

    @Test
    void systemPropertiesWinOverEnvironmentWhichWinsOverContextParameters() {
        var lookup = ConfigSources.chain(
                Map.of("herald.retry.ms", "1111")::get,
                Map.of("HERALD_RETRY_MS", "2222", "HERALD_HISTORY_SIZE", "33"),
                Map.of("herald.retry.ms", "3333", "herald.history.size", "44", "herald.heartbeat.seconds", "5")::get);

        HeraldConfig config = HeraldConfig.read(lookup);

        assertEquals(1111, config.retryMs());
        assertEquals(33, config.historySize());
        assertEquals(5, config.heartbeatSeconds());
    }

    @Test
    void environmentNamesAreUpperCaseWithUnderscores() {
        assertEquals("HERALD_LIMITS_TOPICS_PER_CONNECTION",
                ConfigSources.environmentName("herald.limits.topics-per-connection"));
    }
}
