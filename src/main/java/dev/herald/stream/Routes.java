package dev.herald.stream;

import dev.herald.history.Event;
import java.util.HashMap;
import java.util.Map;

/**
 * The broadcasters of one hub: one per topic and per data form (plain or enveloped), and one for events
 * without a topic, which every subscriber gets. Each event is formatted once per form it is sent in. One map per
 * form, keyed by the topic itself, whose hash a string keeps. Guarded by the hub's lock.
 */
final class Routes {

    /** The route of events published without a topic; not a valid topic name, so never confused with one. */
    private static final String EVERYONE = "";

    private final Map<String, OrderedBroadcaster> plain = new HashMap<>();
    private final Map<String, OrderedBroadcaster> enveloped = new HashMap<>();

    void add(Subscriber subscriber) {
        Client client = subscriber.client();
        Map<String, OrderedBroadcaster> form = client.envelope() ? enveloped : plain;
        form.computeIfAbsent(EVERYONE, t -> new OrderedBroadcaster()).register(subscriber);
        for (String topic : client.topics()) {
            form.computeIfAbsent(topic, t -> new OrderedBroadcaster()).register(subscriber);
        }
    }

    void remove(Subscriber subscriber) {
        Client client = subscriber.client();
        Map<String, OrderedBroadcaster> form = client.envelope() ? enveloped : plain;
        remove(form, EVERYONE, subscriber);
        for (String topic : client.topics()) {
            remove(form, topic, subscriber);
        }
    }

    /** Whether any stream listens to {@code topic}, in either data form. */
    boolean hasListeners(String topic) {
        return plain.containsKey(topic) || enveloped.containsKey(topic);
    }

    void broadcast(Event event, OutboundEvents events) {
        String topic = event.hasTopic() ? event.topic() : EVERYONE;
        OrderedBroadcaster toPlain = plain.get(topic);
        if (toPlain != null) {
            toPlain.broadcast(events.event(event, false));
        }
        OrderedBroadcaster toEnveloped = enveloped.get(topic);
        if (toEnveloped != null) {
            toEnveloped.broadcast(events.event(event, true));
        }
    }

    private static void remove(Map<String, OrderedBroadcaster> form, String topic, Subscriber subscriber) {
        OrderedBroadcaster broadcaster = form.get(topic);
        if (broadcaster != null) {
            broadcaster.unregister(subscriber);
            if (broadcaster.isEmpty()) {
                form.remove(topic);
            }
        }
    }
}
