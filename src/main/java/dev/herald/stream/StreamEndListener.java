package dev.herald.stream;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Tells a subscriber when the container ends its request: a client that went away, a timeout, a shutdown.
 * The JAX-RS runtime registers no such listener, so without it the hub could write to a request the container
 * has already recycled for another client. Registered before the subscriber exists, so no end is missed.
 */
final class StreamEndListener implements AsyncListener {

    private Subscriber subscriber;
    private boolean ended;

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
        end();
    }

    @Override
    public void onError(AsyncEvent event) {
        end();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // the request stays asynchronous for the stream's whole life; nothing to do on a restart
    }

    private void end() {
        Subscriber attached;
        synchronized (this) {
            ended = true;
            attached = subscriber;
        }
        if (attached != null) {
            attached.containerEnded();
        }
    }
}
