package dev.herald.history;

/** How one history's ids look: where they start, and what a client's {@code Last-Event-ID} means in it. */
public interface IdScheme {

    /** The position before the first event. */
    EventId origin();

    /** The id in {@code text}, or why it cannot be placed among this history's ids. */
    Parsed parse(String text);

    /** Either an id or the reason a client sending it must be reset. */
    record Parsed(EventId id, Replay.ResetReason reset) {

        public static Parsed of(EventId id) {
            return new Parsed(id, null);
        }

        public static Parsed reset(Replay.ResetReason reason) {
            return new Parsed(null, reason);
        }
    }
}
