package dev.herald.it;

/** A stream a test reads until the server ends it, over HTTP/1.1 ({@link SseStream}) or HTTP/2 ({@link Http2EventStream}). */
interface EndingStream {

    /** Everything received so far, as text. */
    String raw();

    /** Whether the response ended cleanly (not cut off or reset) within {@code seconds}. */
    boolean awaitCleanEnd(int seconds) throws InterruptedException;
}
