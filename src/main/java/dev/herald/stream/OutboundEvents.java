package dev.herald.stream;

import dev.herald.json.Json;
import dev.herald.backbone.ClientInfo;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.Replay;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

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
     * What a new stream gets before live events, built as it is written: welcome, the reset or the events it
     * missed, ready, and a join for each client already present ({@code present}, for a presence subscriber).
     */
    Iterator<OutboundSseEvent> opening(Client client, String lastEventId, Replay replay, List<ClientInfo> present,
            int retryMs) {
        Stream<OutboundSseEvent> head = Stream.of(welcome(client.clientId(), client.topics(), retryMs));
        if (replay.isReset()) {
            head = Stream.concat(head, Stream.of(reset(lastEventId, replay.reset())));
        }
        Stream<OutboundSseEvent> caughtUp = replay.events().stream().map(e -> event(e, client.envelope()));
        Stream<OutboundSseEvent> ready = Stream.of(ready(replay.newest(), replay.events().size()));
        Stream<OutboundSseEvent> joins = present.stream().map(other -> event(Presence.join(other), client.envelope()));
        return Stream.of(head, caughtUp, ready, joins).flatMap(s -> s).iterator();
    }

    /** The first event of every stream; carries the reconnection delay and no id. */
    OutboundSseEvent welcome(String clientId, List<String> topics, int retryMs) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("clientId", clientId);
        data.put("topics", topics);
        return new PreEncodedEvent(control("welcome", data).reconnectDelay(retryMs).build());
    }

    /** Tells a client that its Last-Event-ID cannot be honoured, so it reloads its state. No id. */
    OutboundSseEvent reset(String lastEventId, Replay.ResetReason reason) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("lastEventId", lastEventId);
        data.put("reason", reason.code());
        return new PreEncodedEvent(control("reset", data).build());
    }

    /** Ends the catch-up part; its id positions the client even when it never gets a published event. */
    OutboundSseEvent ready(EventId position, int replayed) {
        return new PreEncodedEvent(control("ready", Map.of("replayed", replayed)).id(position.toString()).build());
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
        return sse.newEventBuilder().name(name).data(String.class, Json.write(data)).mediaType(MediaType.TEXT_PLAIN_TYPE);
    }

    private static String envelope(Event event) {
        // topic names are restricted to characters that need no JSON escaping
        String topic = event.hasTopic() ? "\"" + event.topic() + "\"" : "null";
        return "{\"topic\":" + topic + ",\"data\":" + event.data() + "}";
    }
}
