package dev.herald.backbone.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.json.Json;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.ClientInfo;
import dev.herald.backbone.IdempotencyKeys;
import dev.herald.config.RedisUri;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.IdScheme;
import dev.herald.history.RunId;
import dev.herald.history.StreamId;
import dev.herald.threads.OwnedThreads;
import dev.herald.history.EventDraft;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.Pool;

/**
 * Several nodes sharing one Redis. Every publish is one XADD to the stream {@code herald:events}, trimmed to about
 * {@code herald.history.size}; every node reads the whole stream and delivers to its own clients, so ids and
 * order are the same everywhere, and the history survives every node's restart. Joins and leaves go over a
 * channel, each node's clients live in a hash that expires when the node dies.
 *
 * <p>Keys: {@code herald:events} (stream), {@code herald:idempotency} (hash, key to {@code id|fingerprint}) and
 * {@code herald:idempotency:order} (list, oldest key first, as long as the history), {@code herald:nodes}
 * (set), {@code herald:clients:<node>} (hash), and the channel {@code herald:presence}.
 */
public final class RedisBackbone implements Backbone {

    private static final Logger LOG = Logger.getLogger(RedisBackbone.class.getName());
    static final String STREAM = "herald:events";
    static final String IDEMPOTENCY = "herald:idempotency";
    static final String IDEMPOTENCY_ORDER = "herald:idempotency:order";
    static final String NODES = "herald:nodes";
    static final String CLIENTS = "herald:clients:";
    static final String PRESENCE = "herald:presence";
    static final String ADMIN = "herald:admin";

    /**
     * Publish with an idempotency key, atomically: the earlier id when the key is known, else XADD and remember
     * the key, forgetting the oldest keys beyond the history's size. KEYS: stream, keys hash, keys list. ARGV: key,
     * fingerprint, history size, then the entry's fields and values. Answers {id, fingerprint, repeated}.
     */
    private static final String PUBLISH_ONCE = """
            local earlier = redis.call('HGET', KEYS[2], ARGV[1])
            if earlier then
              local bar = string.find(earlier, '|', 1, true)
              return {string.sub(earlier, 1, bar - 1), string.sub(earlier, bar + 1), '1'}
            end
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
            redis.call('HSET', KEYS[2], ARGV[1], id .. '|' .. ARGV[2])
            redis.call('RPUSH', KEYS[3], ARGV[1])
            local excess = redis.call('LLEN', KEYS[3]) - tonumber(ARGV[3])
            for i = 1, math.min(excess, 100) do
              redis.call('HDEL', KEYS[2], redis.call('LPOP', KEYS[3]))
            end
            return {id, ARGV[2], '0'}
            """;

    private final RedisUri uri;
    private final int historySize;
    private final String node = "n" + RunId.newRun().substring(1);
    private final Pool<Jedis> pool;
    private final Outage outage;
    private final NodeRegistry registry;
    private StreamReader reader;
    private PresenceChannel presence;
    /** One executor per loop, each with one named thread ({@code herald-redis-reader-1}...), shut down on close. */
    private final Map<ExecutorService, OwnedThreads> loops = new LinkedHashMap<>();

    public RedisBackbone(RedisUri uri, int historySize) {
        this.uri = uri;
        this.historySize = historySize;
        this.pool = RedisConnections.open(uri, "herald-" + node);
        this.outage = new Outage(uri.masked());
        this.registry = new NodeRegistry(pool, node, CLIENTS + node, NODES, PRESENCE);
    }

    @Override
    public IdScheme ids() {
        return StreamId.SCHEME;
    }

    @Override
    public synchronized void start(Listener listener) {
        reader = new StreamReader(pool, STREAM, historySize, listener, outage);
        outage.onFailure(listener::backboneFailed);
        presence = new PresenceChannel(pool, PRESENCE, ADMIN, node, listener);
        run("herald-redis-reader", reader);
        run("herald-redis-presence", presence);
        run("herald-redis-registry", registry);
        LOG.info(() -> "node " + node + " uses Redis at " + uri.masked());
    }

    @Override
    public Published publish(EventDraft draft, String idempotencyKey) {
        List<String> fields = StreamEntries.fields(draft);
        try (Jedis jedis = pool.getResource()) {
            if (idempotencyKey == null) {
                Map<String, String> hash = new LinkedHashMap<>();
                for (int i = 0; i < fields.size(); i += 2) {
                    hash.put(fields.get(i), fields.get(i + 1));
                }
                StreamEntryID id = jedis.xadd(STREAM,
                        XAddParams.xAddParams().maxLen(historySize).approximateTrimming(), hash);
                return new Published(StreamEntries.id(id), false);
            }
            String fingerprint = IdempotencyKeys.fingerprint(draft);
            List<String> args = new ArrayList<>(List.of(idempotencyKey, fingerprint, String.valueOf(historySize)));
            args.addAll(fields);
            @SuppressWarnings("unchecked")
            List<String> answer = (List<String>) jedis.eval(PUBLISH_ONCE,
                    List.of(STREAM, IDEMPOTENCY, IDEMPOTENCY_ORDER), args);
            if (!answer.get(1).equals(fingerprint)) {
                throw new IdempotencyKeyReusedException();
            }
            StreamId id = StreamId.parse(answer.get(0)).orElseThrow();
            return new Published(id, answer.get(2).equals("1"));
        } catch (JedisException e) {
            if (!(e instanceof JedisConnectionException) && e.getCause() instanceof NoSuchElementException) {
                // every pooled connection stayed busy for the command timeout: Redis answers, but not fast enough
                throw new UnavailableException("too many publishes in flight to Redis: the event was not stored; retry", e);
            }
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: the event was not stored; retry", e);
        }
    }

    @Override
    public boolean isStored(EventId id) {
        if (!(id instanceof StreamId streamId)) {
            return false;
        }
        try (Jedis jedis = pool.getResource()) {
            StreamEntryID entry = StreamEntries.entryId(streamId);
            return !jedis.xrange(STREAM, entry, entry, 1).isEmpty();
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: cannot tell whether " + id + " is stored", e);
        }
    }

    @Override
    public boolean sharesPresence() {
        return true;
    }

    @Override
    public void announce(Event presence) {
        registry.announce(PresenceChannel.message(node, presence));
    }

    @Override
    public void connected(ClientInfo client) {
        registry.connected(client.clientId(), Json.write(client));
    }

    @Override
    public void disconnected(ClientInfo client) {
        registry.disconnected(client.clientId());
    }

    @Override
    public List<ClientInfo> otherClients(int limit) {
        List<ClientInfo> clients = new ArrayList<>();
        try (Jedis jedis = pool.getResource()) {
            for (String other : otherNodes(jedis)) {
                String cursor = ScanParams.SCAN_POINTER_START;
                do {
                    ScanResult<Map.Entry<String, String>> page = jedis.hscan(CLIENTS + other, cursor,
                            new ScanParams().count(Math.max(10, limit - clients.size())));
                    for (Map.Entry<String, String> entry : page.getResult()) {
                        if (clients.size() >= limit) {
                            return clients;
                        }
                        clients.add(client(entry.getValue()));
                    }
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            }
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: other nodes' clients cannot be listed", e);
        }
        return clients;
    }

    @Override
    public long otherClientCount() {
        long count = 0;
        try (Jedis jedis = pool.getResource()) {
            for (String other : otherNodes(jedis)) {
                count += jedis.hlen(CLIENTS + other);
            }
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: other nodes' clients cannot be counted", e);
        }
        return count;
    }

    @Override
    public boolean isAvailable() {
        return !outage.isDown() && reader != null && reader.last() != null;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public boolean kick(String clientId) {
        try (Jedis jedis = pool.getResource()) {
            for (String other : otherNodes(jedis)) {
                if (jedis.hexists(CLIENTS + other, clientId)) {
                    jedis.publish(ADMIN, Json.write(Map.of("kick", clientId)));
                    return true;
                }
            }
            return false;
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: cannot reach the node of " + clientId, e);
        }
    }

    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.stop();
            presence.stop();
        }
        registry.stop();
        // a blocked read notices the stop within its block time; a command within its timeout
        Duration wait = RedisConnections.BLOCK.plus(RedisConnections.COMMAND_TIMEOUT).multipliedBy(2);
        loops.forEach((executor, threads) -> threads.shutDownAndJoin(executor, wait));
        if (presence != null) {
            // a subscription that began after the first stop would block its thread: end it too
            presence.stop();
        }
        registry.remove();
        pool.close();
    }

    /** The other nodes whose entry has not expired, in a stable order; expired ones are removed from the set. */
    private TreeSet<String> otherNodes(Jedis jedis) {
        TreeSet<String> nodes = new TreeSet<>(jedis.smembers(NODES));
        nodes.remove(node);
        nodes.removeIf(other -> {
            if (jedis.exists(CLIENTS + other)) {
                return false;
            }
            jedis.srem(NODES, other);
            return true;
        });
        return nodes;
    }

    private static ClientInfo client(String json) {
        JsonNode node = Json.tree(json);
        List<String> topics = new ArrayList<>();
        node.path("topics").forEach(topic -> topics.add(topic.asText()));
        return new ClientInfo(node.path("clientId").asText(), topics, node.path("connectedAt").asText());
    }

    private void run(String name, Runnable loop) {
        OwnedThreads threads = new OwnedThreads(name);
        ExecutorService executor = Executors.newSingleThreadExecutor(threads);
        loops.put(executor, threads);
        executor.execute(loop);
    }
}
