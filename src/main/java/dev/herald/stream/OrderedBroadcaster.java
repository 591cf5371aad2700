package dev.herald.stream;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Herald's {@link SseBroadcaster}: hands each event to every registered sink on the caller's thread, so a sink
 * registered on several broadcasters receives their events in the order they were broadcast. The runtime's
 * broadcaster delivers from a queue per broadcaster, which would reorder events of different topics.
 * Sinks must not block in {@code send}: Herald registers {@link Subscriber}s, which only enqueue.
 * Not thread-safe: the hub's lock guards every call.
 */
final class OrderedBroadcaster implements SseBroadcaster {

    private static final SseEventSink[] NONE = {};

    private final Set<SseEventSink> sinks = new LinkedHashSet<>();
    /** The sinks as an array, rebuilt after a change: a broadcast walks it, so a sink may leave meanwhile. */
    private SseEventSink[] snapshot = NONE;
    private boolean changed;

    @Override
    public void register(SseEventSink sink) {
        changed |= sinks.add(sink);
    }

    void unregister(SseEventSink sink) {
        changed |= sinks.remove(sink);
    }

    boolean isEmpty() {
        return sinks.isEmpty();
    }

    @Override
    public CompletionStage<?> broadcast(OutboundSseEvent event) {
        if (changed) {
            snapshot = sinks.toArray(NONE);
            changed = false;
        }
        for (SseEventSink sink : snapshot) {
            sink.send(event);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Herald's sinks end themselves when they fail, and tell the hub; there is nothing to add here. */
    @Override
    public void onError(BiConsumer<SseEventSink, Throwable> onError) {
        throw new UnsupportedOperationException("a Herald subscriber reports its own end to the hub");
    }

    @Override
    public void onClose(Consumer<SseEventSink> onClose) {
        throw new UnsupportedOperationException("a Herald subscriber reports its own end to the hub");
    }

    /** Unregisters every sink, closing it too. */
    @Override
    public void close() {
        close(true);
    }

    /** Unregisters every sink, closing it too when {@code cascading}. */
    @Override
    public void close(boolean cascading) {
        SseEventSink[] all = sinks.toArray(NONE);
        sinks.clear();
        snapshot = NONE;
        changed = false;
        if (cascading) {
            for (SseEventSink sink : all) {
                sink.close();
            }
        }
    }
}
