package dev.herald.stream;

import jakarta.ws.rs.sse.OutboundSseEvent;
import java.nio.charset.StandardCharsets;

/**
 * The {@code text/event-stream} format: an event's bytes on the wire, made once per event so the same bytes go to
 * every subscriber. Fields come in Herald's order, {@code retry:} first, so a stream starts with its reconnection
 * delay, then {@code id:}, {@code event:} and {@code data:}, and a blank line ends the event.
 */
final class TextEventStream {

    private TextEventStream() {
    }

    static byte[] encode(OutboundSseEvent event) {
        return format(event).getBytes(StandardCharsets.UTF_8);
    }

    static String format(OutboundSseEvent event) {
        StringBuilder text = new StringBuilder(128);
        if (event.getComment() != null) {
            for (String line : event.getComment().split("\n", -1)) {
                text.append(": ").append(line).append('\n');
            }
        }
        if (event.isReconnectDelaySet()) {
            text.append("retry: ").append(event.getReconnectDelay()).append('\n');
        }
        if (event.getId() != null) {
            text.append("id: ").append(event.getId()).append('\n');
        }
        if (event.getName() != null) {
            text.append("event: ").append(event.getName()).append('\n');
        }
        Object data = event.getData();
        if (data != null) {
            if (!(data instanceof String)) {
                throw new IllegalArgumentException("Herald events carry JSON text, not " + data.getClass().getName());
            }
            for (String line : ((String) data).split("\n", -1)) {
                text.append("data: ").append(line).append('\n');
            }
        }
        return text.append('\n').toString();
    }
}
