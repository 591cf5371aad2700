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

    /**
     * Under the hub's lock, so that a client's join reaches the other nodes before its leave: tells this node's
     * {@code $presence} subscribers, through {@code routes}, and the other nodes. The event is only made when one
     * of them can receive it: a burst of thousands of connects to a node nobody watches makes none.
     */
    void joined(Client client, Routes routes, OutboundEvents events, Delivery delivery) {
        announce("join", client, routes, events, delivery);
        if (backbone.sharesPresence()) {
            backbone.connected(client.info());
        }
    }

    /** Under the hub's lock, after {@link #joined} for the same client. */
    void left(Client client, Routes routes, OutboundEvents events, Delivery delivery) {
        announce("leave", client, routes, events, delivery);
        if (backbone.sharesPresence()) {
            backbone.disconnected(client.info());
        }
    }

    private void announce(String type, Client client, Routes routes, OutboundEvents events, Delivery delivery) {
        boolean here = routes.hasListeners(Topics.PRESENCE);
        if (!here && !backbone.sharesPresence()) {
            return;
        }
        Event news = event(type, client.info());
        if (here) {
            routes.broadcast(news, events);
            delivery.dispatch();
        }
        if (backbone.sharesPresence()) {
            backbone.announce(news);
        }
    }

    private static Event event(String type, ClientInfo client) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("clientId", client.clientId());
        data.put("topics", client.topics());
        if (client.sub() != null) {
            // absent rather than null for a stream without a subject, as in GET /api/clients
            data.put("sub", client.sub());
        }
        return new Event(null, Topics.PRESENCE, type, Json.write(data), null);
    }
}
