package dev.herald.stream;

import dev.herald.auth.TopicPattern;
import dev.herald.history.Event;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * The broadcasters of one hub: one per topic and per data form (plain or enveloped), and one for events
 * without a topic, which every subscriber gets. Each event is formatted once per form it is sent in. One map per
 * form, keyed by the topic itself, whose hash a string keeps: an event costs one look-up per form, then O(1) per
 * stream that names its topic. Wildcard entries are routed by {@link WildcardRoutes}, which costs nothing while
 * no stream has one, and O(the topic's depth) look-ups per event otherwise. Guarded by the hub's lock.
 */
final class Routes {

    /** The route of events published without a topic; not a valid topic name, so never confused with one. */
    private static final String EVERYONE = "";

    private final Map<String, OrderedBroadcaster> plain = new HashMap<>();
    private final Map<String, OrderedBroadcaster> enveloped = new HashMap<>();
    private final WildcardRoutes wildcards = new WildcardRoutes();

    /** Routes the stream's named topics here, its wildcards to {@link WildcardRoutes}. */
    void add(Subscriber subscriber, TopicEntries entries) {
        wildcards.add(subscriber, entries);
        Client client = subscriber.client();
        Map<String, OrderedBroadcaster> form = client.envelope() ? enveloped : plain;
        form.computeIfAbsent(EVERYONE, t -> new OrderedBroadcaster()).register(subscriber);
        for (String topic : client.topics()) {
            if (!TopicPattern.isWildcard(topic)) {
                form.computeIfAbsent(topic, t -> new OrderedBroadcaster()).register(subscriber);
            }
        }
    }

    void remove(Subscriber subscriber) {
        Client client = subscriber.client();
        Map<String, OrderedBroadcaster> form = client.envelope() ? enveloped : plain;
        wildcards.remove(subscriber);
        remove(form, EVERYONE, subscriber);
        for (String topic : client.topics()) {
            // a wildcard has no broadcaster here: the look-up finds none
            remove(form, topic, subscriber);
        }
    }

    /** Whether any stream listens to {@code topic}, in either data form. */
    boolean hasListeners(String topic) {
        return plain.containsKey(topic) || enveloped.containsKey(topic);
    }

    void broadcast(Event event, OutboundEvents events) {
        String topic = event.hasTopic() ? event.topic() : EVERYONE;
        OutboundSseEvent asPlain = null;
        OutboundSseEvent asEnveloped = null;
        OrderedBroadcaster toPlain = plain.get(topic);
        if (toPlain != null) {
            asPlain = events.event(event, false);
            toPlain.broadcast(asPlain);
        }
        OrderedBroadcaster toEnveloped = enveloped.get(topic);
        if (toEnveloped != null) {
            asEnveloped = events.event(event, true);
            toEnveloped.broadcast(asEnveloped);
        }
        if (event.hasTopic() && !wildcards.isEmpty()) {
            wildcards.broadcast(topic, new Encoding(event, events, asPlain, asEnveloped));
        }
    }

    /** The event's forms: those the named routes made already, the others made once when first wanted. */
    private static final class Encoding implements WildcardRoutes.Encoded {
        private final Event event;
        private final OutboundEvents events;
        private OutboundSseEvent plain;
        private OutboundSseEvent enveloped;

        Encoding(Event event, OutboundEvents events, OutboundSseEvent plain, OutboundSseEvent enveloped) {
            this.event = event;
            this.events = events;
            this.plain = plain;
            this.enveloped = enveloped;
        }

        @Override
        public OutboundSseEvent form(boolean envelope) {
            if (envelope) {
                if (enveloped == null) {
                    enveloped = events.event(event, true);
                }
                return enveloped;
            }
            if (plain == null) {
                plain = events.event(event, false);
            }
            return plain;
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
