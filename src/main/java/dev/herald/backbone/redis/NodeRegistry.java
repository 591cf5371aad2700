package dev.herald.backbone.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.Pool;

/**
 * This node's entry in Redis, written by one thread so that no request waits for Redis: the hash of its
 * clients (which expires when the node stops refreshing it, so a dead node's clients disappear), its name in the
 * set of nodes, and the joins and leaves it announces to the others, in order.
 */
final class NodeRegistry implements Runnable {

    private static final Logger LOG = Logger.getLogger(NodeRegistry.class.getName());
    /** How often the entry is refreshed; also the longest an announcement waits when nothing wakes the thread. */
    static final Duration TICK = Duration.ofSeconds(1);
    /** A node that has not refreshed its entry for this long is gone; other nodes stop listing its clients. */
    static final Duration TTL = Duration.ofSeconds(15);
    /** Joins and leaves waiting for Redis; beyond this, during an outage, the oldest are dropped and counted. */
    private static final int MAX_ANNOUNCEMENTS = 10_000;

    private final Pool<Jedis> pool;
    private final String node;
    private final String clientsKey;
    private final String nodesKey;
    private final String channel;

    private final Object lock = new Object();
    private final ArrayDeque<String> announcements = new ArrayDeque<>();
    /** This node's clients, by id, as JSON: what the hash must hold. Bounded by the connector's connections. */
    private final Map<String, String> clients = new LinkedHashMap<>();
    /** Changes not yet written: a client's JSON, or null for one that left. */
    private final Map<String, String> changes = new LinkedHashMap<>();
    /** Write the whole hash next time: at start, and after a failed write left it unknown. */
    private boolean rewrite = true;
    private long dropped;
    private boolean running = true;

    NodeRegistry(Pool<Jedis> pool, String node, String clientsKey, String nodesKey, String channel) {
        this.pool = pool;
        this.node = node;
        this.clientsKey = clientsKey;
        this.nodesKey = nodesKey;
        this.channel = channel;
    }

    void announce(String message) {
        synchronized (lock) {
            if (announcements.size() >= MAX_ANNOUNCEMENTS) {
                announcements.poll();
                dropped++;
            }
            announcements.add(message);
            lock.notifyAll();
        }
    }

    void connected(String clientId, String json) {
        synchronized (lock) {
            clients.put(clientId, json);
            changes.put(clientId, json);
        }
    }

    void disconnected(String clientId) {
        synchronized (lock) {
            clients.remove(clientId);
            changes.put(clientId, null);
        }
    }

    /** Stops the thread; the caller then removes the entry with {@link #remove}. */
    void stop() {
        synchronized (lock) {
            running = false;
            lock.notifyAll();
        }
    }

    /** Takes this node out of the lists at once, rather than when its entry expires. */
    void remove() {
        try (Jedis jedis = pool.getResource()) {
            jedis.del(clientsKey);
            jedis.srem(nodesKey, node);
        } catch (JedisException e) {
            LOG.log(Level.FINE, "removing node " + node + " from Redis failed; its entry expires", e);
        }
    }

    @Override
    public void run() {
        long delay = 100;
        while (true) {
            List<String> messages;
            Map<String, String> write;
            boolean whole;
            synchronized (lock) {
                if (running && announcements.isEmpty()) {
                    try {
                        lock.wait(TICK.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (!running) {
                    return;
                }
                messages = new ArrayList<>(announcements);
                announcements.clear();
                whole = rewrite;
                write = new LinkedHashMap<>(whole ? clients : changes);
                changes.clear();
                rewrite = false;
            }
            try (Jedis jedis = pool.getResource()) {
                Pipeline pipeline = jedis.pipelined();
                messages.forEach(message -> pipeline.publish(channel, message));
                if (whole) {
                    pipeline.del(clientsKey);
                }
                write.forEach((clientId, json) -> {
                    if (json == null) {
                        pipeline.hdel(clientsKey, clientId);
                    } else {
                        pipeline.hset(clientsKey, clientId, json);
                    }
                });
                pipeline.sadd(nodesKey, node);
                pipeline.pexpire(clientsKey, TTL.toMillis());
                pipeline.sync();
                delay = 100;
                reportDropped();
            } catch (JedisException e) {
                synchronized (lock) {
                    rewrite = true;
                    dropped += messages.size();
                }
                LOG.log(Level.FINE, "writing node " + node + " to Redis failed", e);
                try {
                    delay = Outage.backOff(delay);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void reportDropped() {
        long lost;
        synchronized (lock) {
            lost = dropped;
            dropped = 0;
        }
        if (lost > 0) {
            LOG.warning(() -> lost + " joins and leaves of this node's clients did not reach the other nodes while "
                    + "Redis was unreachable; their client lists are right again");
        }
    }
}
