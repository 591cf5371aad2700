package dev.herald.stream;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import org.glassfish.jersey.media.sse.OutboundEvent;

/** The runtime's {@link Sse} as Jersey builds events, for tests that run the hub without a server. */
final class JerseyEvents implements Sse {

    @Override
    public OutboundSseEvent.Builder newEventBuilder() {
        return new OutboundEvent.Builder();
    }

    @Override
    public SseBroadcaster newBroadcaster() {
        return new OrderedBroadcaster();
    }
}
