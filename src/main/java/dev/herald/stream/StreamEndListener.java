package dev.herald.stream;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.util.function.LongSupplier;

/**
 * Tells a subscriber when the container ends its request (a client that went away, a shutdown) or times it out
 * (the application is being stopped: the one timeout a stream can get, as it sets none itself). The JAX-RS
 * runtime registers no such listener, so without it the hub could write to a request the container has already
 * recycled for another client. Registered before the subscriber exists, so no end is missed.
 */
final class StreamEndListener implements AsyncListener {

    /** The {@code retry:} a stream timed out by the container ends with: spread, like a shutdown's. */
    private final LongSupplier lastRetryMs;
    private Subscriber subscriber;
    private boolean ended;

    StreamEndListener(LongSupplier lastRetryMs) {
        this.lastRetryMs = lastRetryMs;
    }

    /** Connects the subscriber; if the request already ended, closes it at once. */
    void attach(Subscriber subscriber) {
        boolean endedAlready;
        synchronized (this) {
            this.subscriber = subscriber;
            endedAlready = ended;
        }
        if (endedAlready) {
            subscriber.containerEnded();
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        end();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        Subscriber attached = attached();
        if (attached != null) {
            attached.containerTimedOut(lastRetryMs.getAsLong());
        }
    }

    @Override
    public void onError(AsyncEvent event) {
        end();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // the request stays asynchronous for the stream's whole life; nothing to do on a restart
    }

    /** The subscriber, or null (and the end remembered for {@link #attach}) when it is not attached yet. */
    private synchronized Subscriber attached() {
        ended = subscriber == null;
        return subscriber;
    }

    private void end() {
        Subscriber attached = attached();
        if (attached != null) {
            attached.containerEnded();
        }
    }
}
