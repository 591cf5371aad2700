package dev.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisUriTest {

    @Test
    void readsThePlainFormWithDefaults() {
        RedisUri uri = RedisUri.parse("redis://cache.internal");

        assertEquals(RedisUri.Kind.PLAIN, uri.kind());
        assertEquals(List.of(new RedisUri.HostPort("cache.internal", 6379)), uri.hosts());
        assertEquals(0, uri.database());
        assertNull(uri.user());
        assertNull(uri.password());
    }

    @Test
    void readsCredentialsDatabaseAndTls() {
        RedisUri uri = RedisUri.parse("rediss://herald:s%40cret:x@10.0.0.5:6380/3");

        assertEquals(RedisUri.Kind.TLS, uri.kind());
        assertEquals("herald", uri.user());
        assertEquals("s@cret:x", uri.password());
        assertEquals(new RedisUri.HostPort("10.0.0.5", 6380), uri.hosts().get(0));
        assertEquals(3, uri.database());
    }

    @Test
    void readsSentinels() {
        RedisUri uri = RedisUri.parse("redis-sentinel://:pw@s1:26380,s2,[::1]:26381/1?master=events");

        assertEquals(RedisUri.Kind.SENTINEL, uri.kind());
        assertEquals(List.of(new RedisUri.HostPort("s1", 26380), new RedisUri.HostPort("s2", 26379),
                new RedisUri.HostPort("::1", 26381)), uri.hosts());
        assertEquals("events", uri.master());
        assertEquals("pw", uri.password());
    }

    @Test
    void masksThePasswordForLogs() {
        String masked = RedisUri.parse("redis://herald:hunter2@h:1/0").masked();

        assertEquals("redis://herald:****@h:1/0", masked);
        assertFalse(masked.contains("hunter2"));
    }

    @Test
    void refusesWhatItCannotUseAndSaysWhy() {
        Map<String, String> refused = Map.of(
                "http://h:6379", "is not redis://",
                "redis://h:99999", "outside 1..65535",
                "redis://h/16", "database 16",
                "redis://a,b", "several hosts need redis-sentinel://",
                "redis-sentinel://s1:26379", "needs ?master=",
                "redis://h?master=x", "only goes with redis-sentinel://",
                "redis://h?timeout=3", "unknown parameter 'timeout'");
        refused.forEach((text, reason) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUri.parse(text), text);
            assertTrue(e.getMessage().contains(reason), text + ": " + e.getMessage());
        });
    }

    @Test
    void anInvalidUriNamesTheKeyWithoutThePassword() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> HeraldConfig.read(Map.of("herald.redis.uri", "redis//user:hunter2@h")::get));

        assertTrue(e.getMessage().contains("herald.redis.uri"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
