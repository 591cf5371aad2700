package dev.herald.backbone.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.json.Json;
import dev.herald.backbone.Backbone;
import dev.herald.history.Event;
import dev.herald.history.Topics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.Pool;

/**
 * Joins and leaves between nodes, over Redis PUBLISH/SUBSCRIBE: they are news, not history, so they are not
 * stored, and a node that is down misses them (its clients' list comes from the registry when it is back). The
 * admin channel carries requests to end a client's stream on whichever node holds it, and to end every stream of a
 * subject on every node.
 */
final class PresenceChannel implements Runnable {

    private static final Logger LOG = Logger.getLogger(PresenceChannel.class.getName());

    private final Pool<Jedis> pool;
    private final String channel;
    private final String adminChannel;
    private final String node;
    private final Backbone.Listener listener;
    private volatile boolean running = true;
    private final Subscription subscription = new Subscription();

    PresenceChannel(Pool<Jedis> pool, String channel, String adminChannel, String node, Backbone.Listener listener) {
        this.pool = pool;
        this.channel = channel;
        this.adminChannel = adminChannel;
        this.node = node;
        this.listener = listener;
    }

    /** The message for one join or leave of a client of {@code node}. */
    static String message(String node, Event presence) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("node", node);
        message.put("type", presence.type());
        message.put("data", Json.tree(presence.data()));
        return Json.write(message);
    }

    /** The admin message asking the other nodes than {@code node} to end every stream of {@code subject}. */
    static String endSubject(String node, String subject) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("endSubject", subject);
        message.put("node", node);
        return Json.write(message);
    }

    void stop() {
        running = false;
        if (subscription.isSubscribed()) {
            try {
                subscription.unsubscribe();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "unsubscribing from " + channel + " failed", e);
            }
        }
    }

    @Override
    public void run() {
        long delay = 100;
        while (running) {
            try (Jedis jedis = pool.getResource()) {
                delay = 100;
                jedis.subscribe(subscription, channel, adminChannel);
            } catch (JedisException e) {
                if (!running) {
                    return;
                }
                LOG.log(Level.FINE, "the presence channel failed", e);
                try {
                    delay = Outage.backOff(delay);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private final class Subscription extends JedisPubSub {

        @Override
        public void onMessage(String from, String text) {
            try {
                JsonNode message = Json.tree(text);
                if (from.equals(adminChannel)) {
                    if (message.path("kick").isTextual()) {
                        listener.kicked(message.path("kick").asText());
                    } else if (message.path("endSubject").isTextual() && !node.equals(message.path("node").asText())) {
                        // the node that sent it has ended its own streams, and counted them
                        listener.subjectEnded(message.path("endSubject").asText());
                    }
                    return;
                }
                if (node.equals(message.path("node").asText()) || !message.path("data").isObject()) {
                    return;
                }
                String type = message.path("type").asText();
                if (type.equals("join") || type.equals("leave")) {
                    listener.presence(new Event(null, Topics.PRESENCE, type, Json.write(message.get("data")), null));
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "ignored a malformed presence message on " + channel + ": " + e);
            }
        }
    }
}
