package dev.herald.stream;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Herald's {@link SseBroadcaster}: hands each event to every registered sink on the caller's thread, so a sink
 * registered on several broadcasters receives their events in the order they were broadcast. The runtime's
 * broadcaster delivers from a queue per broadcaster, which would reorder events of different topics.
 * Sinks must not block in {@code send}: Herald registers {@link Subscriber}s, which only enqueue.
 */
final class OrderedBroadcaster implements SseBroadcaster {

    private final Set<SseEventSink> sinks = ConcurrentHashMap.newKeySet();
    private final List<BiConsumer<SseEventSink, Throwable>> errorHandlers = new CopyOnWriteArrayList<>();
    private final List<Consumer<SseEventSink>> closeHandlers = new CopyOnWriteArrayList<>();

    @Override
    public void register(SseEventSink sink) {
        sinks.add(sink);
    }

    void unregister(SseEventSink sink) {
        sinks.remove(sink);
    }

    boolean isEmpty() {
        return sinks.isEmpty();
    }

    @Override
    public CompletionStage<?> broadcast(OutboundSseEvent event) {
        for (SseEventSink sink : sinks) {
            if (sink.isClosed()) {
                sinks.remove(sink);
                closeHandlers.forEach(handler -> handler.accept(sink));
                continue;
            }
            sink.send(event).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    errorHandlers.forEach(handler -> handler.accept(sink, failure));
                }
            });
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(BiConsumer<SseEventSink, Throwable> onError) {
        errorHandlers.add(onError);
    }

    @Override
    public void onClose(Consumer<SseEventSink> onClose) {
        closeHandlers.add(onClose);
    }

    @Override
    public void close() {
        close(true);
    }

    /** Unregisters every sink, closing it too when {@code cascading}. */
    @Override
    public void close(boolean cascading) {
        for (SseEventSink sink : sinks) {
            sinks.remove(sink);
            if (cascading) {
                sink.close();
            }
            closeHandlers.forEach(handler -> handler.accept(sink));
        }
    }
}
