package dev.herald.stream;

import dev.herald.app.Json;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.Replay;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds Herald's events with the JAX-RS {@link Sse}, each encoded once for the wire: data is always one line of
 * JSON text.
 */
final class EventFormat {

    private final Sse sse;

    EventFormat(Sse sse) {
        this.sse = sse;
    }

    /** The first event of every stream; carries the reconnection delay and no id. */
    OutboundSseEvent welcome(String clientId, List<String> topics, int retryMs) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("clientId", clientId);
        data.put("topics", topics);
        return new EncodedEvent(control("welcome", data).reconnectDelay(retryMs).build());
    }

    /** Tells a client that its Last-Event-ID cannot be honoured, so it reloads its state. No id. */
    OutboundSseEvent reset(String lastEventId, Replay.ResetReason reason) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("lastEventId", lastEventId);
        data.put("reason", reason.code());
        return new EncodedEvent(control("reset", data).build());
    }

    /** Ends the catch-up part; its id positions the client even when it never gets a published event. */
    OutboundSseEvent ready(EventId position, int replayed) {
        return new EncodedEvent(control("ready", Map.of("replayed", replayed)).id(position.toString()).build());
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
        return new EncodedEvent(builder.build());
    }

    private OutboundSseEvent.Builder control(String name, Map<String, ?> data) {
        return sse.newEventBuilder().name(name).data(String.class, Json.write(data)).mediaType(MediaType.TEXT_PLAIN_TYPE);
    }

    private static String envelope(Event event) {
        // topic names are restricted to characters that need no JSON escaping
        String topic = event.hasTopic() ? "\"" + event.topic() + "\"" : "null";
        return "{\"topic\":" + topic + ",\"data\":" + event.data() + "}";
    }
}
