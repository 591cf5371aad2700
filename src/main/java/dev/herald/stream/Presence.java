package dev.herald.stream;

import dev.herald.backbone.Backbone;
import dev.herald.backbone.ClientInfo;
import dev.herald.history.Event;
import dev.herald.history.Topics;
import dev.herald.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is connected, as news: the {@code join} and {@code leave} events that {@code $presence} subscribers get,
 * the clients of other nodes a new one is told about first, and what the other nodes learn through the backbone.
 */
final class Presence {

    /** Clients of other nodes a new {@code $presence} subscriber is told about first; more than a page shows. */
    static final int MAX_ELSEWHERE = 1000;

    private final Backbone backbone;

    Presence(Backbone backbone) {
        this.backbone = backbone;
    }

    static Event join(ClientInfo client) {
        return event("join", client);
    }

    static Event leave(ClientInfo client) {
        return event("leave", client);
    }

    /**
     * Up to {@link #MAX_ELSEWHERE} clients of other nodes, asked before the hub takes its lock. During a backbone
     * outage none: the backbone has reported the outage, and the stream still opens with this node's clients.
     */
    List<ClientInfo> elsewhere() {
        try {
            return backbone.otherClients(MAX_ELSEWHERE);
        } catch (Backbone.UnavailableException e) {
            return List.of();
        }
    }

    /** Under the hub's lock, so that a client's join reaches the other nodes before its leave. */
    void joined(Event join, ClientInfo client) {
        backbone.announce(join);
        backbone.connected(client);
    }

    /** Under the hub's lock, after {@link #joined} for the same client. */
    void left(Event leave, ClientInfo client) {
        backbone.announce(leave);
        backbone.disconnected(client);
    }

    private static Event event(String type, ClientInfo client) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("clientId", client.clientId());
        data.put("topics", client.topics());
        return new Event(null, Topics.PRESENCE, type, Json.write(data), null);
    }
}
