package dev.herald.bench;

/** Receives what an {@link SseParser} finds in a stream. */
interface SseListener {

    /**
     * An event, dispatched by its blank line. A {@code typeLength} of 0 means the default type, {@code message}.
     * The arrays are the parser's own: read them during the call, do not keep them.
     */
    void onEvent(byte[] type, int typeLength, byte[] data, int dataLength);

    /** A comment line, such as Herald's {@code : heartbeat}. */
    void onComment();
}
