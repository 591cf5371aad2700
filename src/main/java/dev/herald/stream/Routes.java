package dev.herald.stream;

import dev.herald.history.Event;
import java.util.HashMap;
import java.util.Map;

/**
 * The broadcasters of one hub: one per topic and per data form (plain or enveloped), and one for events
 * without a topic, which every subscriber gets. Each event is formatted once per form it is sent in.
 * Guarded by the hub's lock.
 */
final class Routes {

    /** The route of events published without a topic; not a valid topic name, so never confused with one. */
    private static final String EVERYONE = "";

    private record Route(String topic, boolean envelope) {
    }

    private final Map<Route, OrderedBroadcaster> broadcasters = new HashMap<>();

    void add(Subscriber subscriber) {
        for (Route route : routesOf(subscriber)) {
            broadcasters.computeIfAbsent(route, r -> new OrderedBroadcaster()).register(subscriber);
        }
    }

    void remove(Subscriber subscriber) {
        for (Route route : routesOf(subscriber)) {
            OrderedBroadcaster broadcaster = broadcasters.get(route);
            if (broadcaster != null) {
                broadcaster.unregister(subscriber);
                if (broadcaster.isEmpty()) {
                    broadcasters.remove(route);
                }
            }
        }
    }

    void broadcast(Event event, OutboundEvents events) {
        String topic = event.hasTopic() ? event.topic() : EVERYONE;
        OrderedBroadcaster plain = broadcasters.get(new Route(topic, false));
        if (plain != null) {
            plain.broadcast(events.event(event, false));
        }
        OrderedBroadcaster enveloped = broadcasters.get(new Route(topic, true));
        if (enveloped != null) {
            enveloped.broadcast(events.event(event, true));
        }
    }

    private static Route[] routesOf(Subscriber subscriber) {
        Client client = subscriber.client();
        Route[] routes = new Route[client.topics().size() + 1];
        routes[0] = new Route(EVERYONE, client.envelope());
        for (int i = 0; i < client.topics().size(); i++) {
            routes[i + 1] = new Route(client.topics().get(i), client.envelope());
        }
        return routes;
    }
}
