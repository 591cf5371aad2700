package dev.herald.stream;

import dev.herald.json.Json;
import dev.herald.backbone.ClientInfo;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.Replay;
import dev.herald.history.RetainedEvents;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Herald's outbound events, built with the runtime's {@link Sse} and each encoded once for the wire: data is
 * always one line of JSON text.
 */
final class OutboundEvents {

    private final Sse sse;

    OutboundEvents(Sse sse) {
        this.sse = sse;
    }

    /**
     * What a new stream gets before live events, built as it is written, by the drain, so that nothing of it is
     * made under the hub's lock: welcome, the reset or the events it missed, the retained events of its topics
     * ({@code retained}, oldest id first), ready, and a join for each client already present ({@code present}, for
     * a presence subscriber).
     */
    Iterator<OutboundSseEvent> opening(Client client, String lastEventId, Replay replay,
            RetainedEvents.Selection retained, List<ClientInfo> present, int retryMs) {
        return new Opening(client, lastEventId, replay, retained, present, retryMs);
    }

    /** The parts of an opening, in the order they are written. */
    private enum Part { WELCOME, RESET, CATCH_UP, RETAINED, READY, JOINS, DONE }

    /** An opening as an iterator over its parts; used by one draining thread at a time. */
    private final class Opening implements Iterator<OutboundSseEvent> {

        private final Client client;
        private final String lastEventId;
        private final Replay replay;
        private final RetainedEvents.Selection retained;
        private final List<ClientInfo> present;
        private final int retryMs;
        private Part part = Part.WELCOME;
        private int index;

        Opening(Client client, String lastEventId, Replay replay, RetainedEvents.Selection retained,
                List<ClientInfo> present, int retryMs) {
            this.client = client;
            this.lastEventId = lastEventId;
            this.replay = replay;
            this.retained = retained;
            this.present = present;
            this.retryMs = retryMs;
        }

        @Override
        public boolean hasNext() {
            while (true) {
                switch (part) {
                    case RESET -> {
                        if (replay.isReset()) {
                            return true;
                        }
                    }
                    case CATCH_UP -> {
                        if (index < replay.events().size()) {
                            return true;
                        }
                    }
                    case RETAINED -> {
                        if (index < retained.events().size()) {
                            return true;
                        }
                    }
                    case JOINS -> {
                        if (index < present.size()) {
                            return true;
                        }
                    }
                    case DONE -> {
                        return false;
                    }
                    default -> {
                        return true;
                    }
                }
                part = Part.values()[part.ordinal() + 1];
                index = 0;
            }
        }

        @Override
        public OutboundSseEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return switch (part) {
                case WELCOME -> then(Part.RESET,
                        welcome(client.clientId(), client.topics(), client.expiresAt(), retryMs));
                case RESET -> then(Part.CATCH_UP, reset(lastEventId, replay.reset()));
                case CATCH_UP -> event(replay.events().get(index++), client.envelope());
                case RETAINED -> event(retained.events().get(index++), client.envelope());
                case READY -> then(Part.JOINS, ready(replay.newest(), replay.events().size(), retained));
                case JOINS -> event(Presence.join(present.get(index++)), client.envelope());
                case DONE -> throw new NoSuchElementException();
            };
        }

        private OutboundSseEvent then(Part next, OutboundSseEvent event) {
            part = next;
            index = 0;
            return event;
        }
    }

    /**
     * The first event of every stream; carries the reconnection delay and no id. Its JSON is written by hand, as
     * every stream of a connect burst gets one: client ids and topic names are made of characters that JSON
     * strings carry as they are ({@code Topics}, {@code ClientIds}). {@code expiresAt} (null: never) is when the
     * stream's authorisation ends, in epoch milliseconds on the server's clock, so a client renews its token before
     * then without trusting its own clock.
     */
    OutboundSseEvent welcome(String clientId, List<String> topics, Instant expiresAt, int retryMs) {
        StringBuilder data = new StringBuilder(72 + 24 * topics.size()).append("{\"clientId\":\"").append(clientId)
                .append("\",\"topics\":[");
        for (int i = 0; i < topics.size(); i++) {
            data.append(i == 0 ? "\"" : ",\"").append(topics.get(i)).append('"');
        }
        data.append(']');
        if (expiresAt != null) {
            data.append(",\"expiresAt\":").append(expiresAt.toEpochMilli());
        }
        return new PreEncodedEvent(control("welcome", data.append('}').toString()).reconnectDelay(retryMs).build());
    }

    /** Tells a client that its Last-Event-ID cannot be honoured, so it reloads its state. No id. */
    OutboundSseEvent reset(String lastEventId, Replay.ResetReason reason) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("lastEventId", lastEventId);
        data.put("reason", reason.code());
        return new PreEncodedEvent(control("reset", data).build());
    }

    /**
     * Ends the opening; its id positions the client even when it never gets a published event. Its data counts the
     * catch-up's events and the retained ones, and says when retained events were left out
     * ({@code herald.limits.retained-per-stream}).
     */
    OutboundSseEvent ready(EventId position, int replayed, RetainedEvents.Selection retained) {
        String data = "{\"replayed\":" + replayed + ",\"retained\":" + retained.events().size()
                + (retained.truncated() ? ",\"retainedTruncated\":true}" : "}");
        return new PreEncodedEvent(control("ready", data).id(position.toString()).build());
    }

    /** A published or presence event, its data wrapped with its topic when the client asked for envelopes. */
    OutboundSseEvent event(Event event, boolean envelope) {
        OutboundSseEvent.Builder builder = sse.newEventBuilder().name(event.type())
                .data(String.class, envelope ? envelope(event) : event.data())
                .mediaType(MediaType.TEXT_PLAIN_TYPE);
        if (event.id() != null) {
            builder.id(event.id().toString());
        }
        if (event.retryMs() != null) {
            builder.reconnectDelay(event.retryMs());
        }
        return new PreEncodedEvent(builder.build());
    }

    private OutboundSseEvent.Builder control(String name, Map<String, ?> data) {
        return control(name, Json.write(data));
    }

    private OutboundSseEvent.Builder control(String name, String json) {
        return sse.newEventBuilder().name(name).data(String.class, json).mediaType(MediaType.TEXT_PLAIN_TYPE);
    }

    private static String envelope(Event event) {
        // topic names are restricted to characters that need no JSON escaping
        String topic = event.hasTopic() ? "\"" + event.topic() + "\"" : "null";
        return "{\"topic\":" + topic + ",\"data\":" + event.data() + "}";
    }
}
