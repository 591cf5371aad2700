package dev.herald.stream;

/** The hub is shutting down and takes no new streams or events. */
public class HubClosedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    HubClosedException() {
        super("Herald is shutting down");
    }
}
