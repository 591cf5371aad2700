package dev.herald.backbone.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.json.Json;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.ClientInfo;
import dev.herald.backbone.IdempotencyKeys;
import dev.herald.config.RedisUri;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.History;
import dev.herald.history.IdScheme;
import dev.herald.history.RunId;
import dev.herald.history.StreamId;
import dev.herald.threads.OwnedThreads;
import dev.herald.history.EventDraft;
import java.time.Duration;
import java.time.Instant;
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
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.Pool;

/**
 * Several nodes sharing one Redis. A publish of one event is an XADD to the stream {@code herald:events}, trimmed to
 * about {@code herald.history.size}; a batch, a retain or an idempotency key makes it one run of
 * {@link RetentionScripts#PUBLISH}, which adds the retained event to {@code herald:retained} too. Every node reads the
 * whole stream and delivers to its own clients; its history decides what to keep as every node's does, from the
 * stream's order alone, and its reader stores those decisions for all ({@link RetentionScripts#DECIDED}); a clear is
 * an entry of the stream too. So ids, order, catch-up and retained events are the same everywhere, and survive every
 * node's restart. Joins and leaves go over a channel, each node's clients live in a hash that expires when the node
 * dies.
 *
 * <p>Keys: those of {@link RetentionScripts}, {@code herald:idempotency} (hash, key to {@code id,id,...|fingerprint}) and
 * {@code herald:idempotency:order} (list, oldest key first, as long as the history), {@code herald:retained} (hash,
 * topic to its retained event; see {@link RetentionScripts}), {@code herald:nodes}
 * (set), {@code herald:clients:<node>} (hash), {@code herald:blocked:<subject>} (string, expiring with the block),
 * and the channels {@code herald:presence} and {@code herald:admin}.
 */
public final class RedisBackbone implements Backbone {

    private static final Logger LOG = Logger.getLogger(RedisBackbone.class.getName());
    static final String PREFIX = "herald:";
    static final String STREAM = PREFIX + "events";
    static final String NODES = "herald:nodes";
    static final String CLIENTS = "herald:clients:";
    static final String PRESENCE = "herald:presence";
    static final String ADMIN = "herald:admin";
    /** A blocked subject's key: its value is when the block ends (epoch ms), and it expires then. */
    static final String BLOCKED = PREFIX + "blocked:";

    private final RedisUri uri;
    private final int historySize;
    private final long maxAgeMillis;
    private final int retainedMaxTopics;
    private final String node = "n" + RunId.newRun().substring(1);
    private final Pool<Jedis> pool;
    private final Outage outage;
    private final NodeRegistry registry;
    private StreamReader reader;
    private PresenceChannel presence;
    /** Set once {@link RetentionScripts#LAYOUT} ran for this node's publishes: it never needs to run again. */
    private volatile boolean layoutReady;
    /** One executor per loop, each with one named thread ({@code herald-redis-reader-1}...), shut down on close. */
    private final Map<ExecutorService, OwnedThreads> loops = new LinkedHashMap<>();

    /**
     * @param maxAgeMillis {@code herald.history.max-age}, 0 for none
     * @param retainedMaxTopics {@code herald.retained.max-topics}: the publish script holds every node to it
     */
    public RedisBackbone(RedisUri uri, int historySize, long maxAgeMillis, int retainedMaxTopics) {
        this.uri = uri;
        this.historySize = historySize;
        this.maxAgeMillis = maxAgeMillis;
        this.retainedMaxTopics = retainedMaxTopics;
        this.pool = RedisConnections.open(uri, "herald-" + node);
        this.outage = new Outage(uri.masked());
        this.registry = new NodeRegistry(pool, node, CLIENTS + node, NODES, PRESENCE);
    }

    @Override
    public IdScheme ids() {
        return StreamId.SCHEME;
    }

    /** Every node decides alike, and its reader stores the decisions. */
    @Override
    public History.Decisions retention() {
        return History.Decisions.SHARED;
    }

    @Override
    public synchronized void start(Listener listener) {
        reader = new StreamReader(pool, PREFIX, historySize, maxAgeMillis, listener, outage);
        outage.onFailure(listener::backboneFailed);
        presence = new PresenceChannel(pool, PRESENCE, ADMIN, node, listener);
        run("herald-redis-reader", reader);
        run("herald-redis-presence", presence);
        run("herald-redis-registry", registry);
        LOG.info(() -> "node " + node + " uses Redis at " + uri.masked());
    }

    /**
     * One run of the publish script, whatever the number of events: nothing of another publish comes between. The
     * script also decides the bound of retained topics, for every node at once (the listener's {@code mayRetain} is
     * never asked: a node's own count could be behind the stream), and stores nothing when it refuses.
     */
    @Override
    public Published publish(List<EventDraft> drafts, boolean batch, String idempotencyKey) {
        try (Jedis jedis = pool.getResource()) {
            if (!layoutReady) {
                RetentionScripts.LAYOUT.run(jedis, List.of(PREFIX));
                layoutReady = true;
            }
            if (drafts.size() == 1 && idempotencyKey == null && !drafts.get(0).retain()) {
                return new Published(List.of(add(jedis, drafts.get(0))), false);
            }
            return publishByScript(jedis, drafts, batch, idempotencyKey);
        } catch (JedisException e) {
            if (!(e instanceof JedisConnectionException) && e.getCause() instanceof NoSuchElementException) {
                // every pooled connection stayed busy for the command timeout: Redis answers, but not fast enough
                throw new UnavailableException("too many publishes in flight to Redis: nothing was stored; retry", e);
            }
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: nothing was stored; retry", e);
        }
    }

    /** One event, alone: one XADD, as nothing else has to happen in the same step. */
    private StreamId add(Jedis jedis, EventDraft draft) {
        return StreamEntries.id(jedis.xadd(STREAM,
                XAddParams.xAddParams().maxLen(historySize).approximateTrimming(), StreamEntries.fieldMap(draft)));
    }

    private Published publishByScript(Jedis jedis, List<EventDraft> drafts, boolean batch, String idempotencyKey) {
        String fingerprint = idempotencyKey == null ? "" : IdempotencyKeys.fingerprint(drafts, batch);
        List<String> args = new ArrayList<>(List.of(PREFIX, idempotencyKey == null ? "" : idempotencyKey, fingerprint,
                String.valueOf(historySize), String.valueOf(retainedMaxTopics), String.valueOf(drafts.size())));
        for (EventDraft draft : drafts) {
            List<String> fields = StreamEntries.fields(draft);
            args.add(RetentionScripts.key(draft.topic()));
            args.add(draft.retain() ? "1" : "0");
            args.add(String.valueOf(fields.size()));
            args.addAll(fields);
        }
        @SuppressWarnings("unchecked")
        List<String> answer = (List<String>) RetentionScripts.PUBLISH.run(jedis, args);
        if (answer.get(0).equals(RetentionScripts.RETAINED_FULL)) {
            throw new RetainedFullException(retainedMaxTopics);
        }
        if (!answer.get(0).equals(fingerprint)) {
            throw new IdempotencyKeyReusedException();
        }
        List<EventId> ids = new ArrayList<>(answer.size() - 2);
        for (String id : answer.subList(2, answer.size())) {
            ids.add(StreamId.parse(id).orElseThrow());
        }
        return new Published(ids, answer.get(1).equals("1"));
    }

    /**
     * One run of {@link RetentionScripts#CLEAR}: the topic leaves {@code herald:retained} and, when it was there, an
     * entry in the stream makes every node's reader (this one's too) call {@link Listener#retainedCleared} in the
     * stream's order, so a retain published just before or after is applied on the same side of it everywhere.
     */
    @Override
    public boolean clearRetained(String topic) {
        try (Jedis jedis = pool.getResource()) {
            return Long.valueOf(1).equals(RetentionScripts.CLEAR.run(jedis, List.of(PREFIX, topic)));
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: the retained event was not cleared; retry", e);
        }
    }

    /** Only events count: a clear's entry in the stream is no position a client can have reached. */
    @Override
    public boolean isStored(EventId id) {
        if (!(id instanceof StreamId streamId)) {
            return false;
        }
        try (Jedis jedis = pool.getResource()) {
            StreamEntryID entry = StreamEntries.entryId(streamId);
            List<StreamEntry> found = jedis.xrange(STREAM, entry, entry, 1);
            return !found.isEmpty() && StreamEntries.cleared(found.get(0)) == null;
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

    /**
     * A PUBLISH on the admin channel, which every node's presence thread hears (this node ignores its own): it does
     * not wait for them, and a node whose subscription is down at that moment never hears it.
     */
    @Override
    public void endSubject(String subject) {
        try (Jedis jedis = pool.getResource()) {
            jedis.publish(ADMIN, PresenceChannel.endSubject(node, subject));
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: the other nodes cannot be asked to end the streams "
                    + "of a subject", e);
        }
    }

    /** Redis expires the key when the block ends, so nothing ever has to clear it and no bound is kept here. */
    @Override
    public void blockSubject(String subject, Instant now, Duration duration) {
        try (Jedis jedis = pool.getResource()) {
            jedis.set(BLOCKED + subject, String.valueOf(now.plus(duration).toEpochMilli()),
                    SetParams.setParams().px(duration.toMillis()));
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: the block was not stored", e);
        }
    }

    /** The key's expiry decides, not this node's clock: nodes whose clocks differ still agree. */
    @Override
    public Instant blockedUntil(String subject, Instant now) {
        try (Jedis jedis = pool.getResource()) {
            String until = jedis.get(BLOCKED + subject);
            return until == null ? null : Instant.ofEpochMilli(Long.parseLong(until));
        } catch (JedisException e) {
            outage.failed(e);
            throw new UnavailableException("Redis is unreachable: cannot tell whether a subject is blocked", e);
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
        return new ClientInfo(node.path("clientId").asText(), topics, node.path("connectedAt").asText(),
                node.path("sub").isTextual() ? node.path("sub").asText() : null);
    }

    private void run(String name, Runnable loop) {
        OwnedThreads threads = new OwnedThreads(name);
        ExecutorService executor = Executors.newSingleThreadExecutor(threads);
        loops.put(executor, threads);
        executor.execute(loop);
    }
}
