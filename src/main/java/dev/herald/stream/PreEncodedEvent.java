package dev.herald.stream;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import java.lang.reflect.Type;

/**
 * An event built with the runtime's {@code Sse}, together with its bytes on the wire. A broadcast hands the same
 * instance to every subscriber, so encoding happens once per event rather than once per subscriber.
 */
final class PreEncodedEvent implements OutboundSseEvent {

    private final OutboundSseEvent event;
    private final byte[] bytes;
    /** {@link System#nanoTime()} when encoded: for a broadcast, when it began, read once for all its streams. */
    private final long encodedNanos;

    PreEncodedEvent(OutboundSseEvent event) {
        this.event = event;
        this.bytes = TextEventStream.encode(event);
        this.encodedNanos = System.nanoTime();
    }

    /** {@code event} itself when already encoded, otherwise encoded now. */
    static PreEncodedEvent of(OutboundSseEvent event) {
        return event instanceof PreEncodedEvent encoded ? encoded : new PreEncodedEvent(event);
    }

    /** The event's bytes, ready to write; shared, so callers must not change them. */
    byte[] bytes() {
        return bytes;
    }

    /** {@link System#nanoTime()} when it was encoded. */
    long encodedNanos() {
        return encodedNanos;
    }

    @Override
    public Class<?> getType() {
        return event.getType();
    }

    @Override
    public Type getGenericType() {
        return event.getGenericType();
    }

    @Override
    public MediaType getMediaType() {
        return event.getMediaType();
    }

    @Override
    public Object getData() {
        return event.getData();
    }

    @Override
    public String getId() {
        return event.getId();
    }

    @Override
    public String getName() {
        return event.getName();
    }

    @Override
    public String getComment() {
        return event.getComment();
    }

    @Override
    public long getReconnectDelay() {
        return event.getReconnectDelay();
    }

    @Override
    public boolean isReconnectDelaySet() {
        return event.isReconnectDelaySet();
    }
}
