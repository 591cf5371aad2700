package dev.herald.backbone.redis;

import dev.herald.config.RedisUri;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.util.Pool;

/** A pool of connections to the Redis that {@code herald.redis.uri} names, directly or through Sentinel. */
final class RedisConnections {

    /** A command that takes longer than this counts as Redis being unreachable: publishers get a 503 quickly. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** How long a read of the stream waits for new entries; also how soon the reader notices a shutdown. */
    static final Duration BLOCK = Duration.ofSeconds(1);
    /**
     * Publishing requests, the stream reader, the presence channel and the registry: the reader and the channel
     * each hold one for good, so this leaves 14 for publishes in flight; more wait up to the command timeout.
     */
    private static final int MAX_CONNECTIONS = 16;

    private RedisConnections() {
    }

    static Pool<Jedis> open(RedisUri uri, String clientName) {
        JedisClientConfig client = DefaultJedisClientConfig.builder()
                .user(uri.user())
                .password(uri.password())
                .database(uri.database())
                .ssl(uri.kind() == RedisUri.Kind.TLS)
                .clientName(clientName)
                // Jedis speaks RESP2 with every Redis since 2.0; without this it warns on every connection
                .autoNegotiateProtocol(false)
                .connectionTimeoutMillis((int) COMMAND_TIMEOUT.toMillis())
                .socketTimeoutMillis((int) COMMAND_TIMEOUT.toMillis())
                // a blocked read that gets no answer well after its block time means Redis is gone
                .blockingSocketTimeoutMillis((int) (BLOCK.toMillis() + COMMAND_TIMEOUT.toMillis()))
                .build();
        GenericObjectPoolConfig<Jedis> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(MAX_CONNECTIONS);
        pool.setMaxIdle(MAX_CONNECTIONS);
        pool.setMaxWait(COMMAND_TIMEOUT);
        // a connection broken by a Redis restart is found at its next use and replaced
        pool.setTestOnBorrow(false);
        pool.setJmxEnabled(false);
        if (uri.kind() == RedisUri.Kind.SENTINEL) {
            Set<HostAndPort> sentinels = new LinkedHashSet<>();
            uri.hosts().forEach(h -> sentinels.add(new HostAndPort(h.host(), h.port())));
            JedisClientConfig sentinel = DefaultJedisClientConfig.builder()
                    .autoNegotiateProtocol(false)
                    .connectionTimeoutMillis((int) COMMAND_TIMEOUT.toMillis())
                    .socketTimeoutMillis((int) COMMAND_TIMEOUT.toMillis())
                    .build();
            return new JedisSentinelPool(uri.master(), sentinels, pool, client, sentinel);
        }
        RedisUri.HostPort server = uri.hosts().get(0);
        return new JedisPool(pool, new HostAndPort(server.host(), server.port()), client);
    }
}
