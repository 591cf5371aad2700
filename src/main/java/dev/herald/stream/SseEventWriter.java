package dev.herald.stream;

import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Writes an event's fields in Herald's order, {@code retry:} first, so a stream starts with its reconnection
 * delay, then {@code id:}, {@code event:} and {@code data:}, in one write. The runtime adds the blank line.
 * Replaces the runtime's writer, which puts {@code retry:} after {@code event:} and writes data byte by byte.
 */
@Provider
@Produces(MediaType.SERVER_SENT_EVENTS)
public class SseEventWriter implements MessageBodyWriter<OutboundSseEvent> {

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return OutboundSseEvent.class.isAssignableFrom(type) && MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(mediaType);
    }

    @Override
    public void writeTo(OutboundSseEvent event, Class<?> type, Type genericType, Annotation[] annotations,
            MediaType mediaType, MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        out.write(format(event).getBytes(StandardCharsets.UTF_8));
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
        return text.toString();
    }
}
