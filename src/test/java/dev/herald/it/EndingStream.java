package dev.herald.it;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A stream a test reads until the server ends it, over HTTP/1.1 ({@link SseStream}) or HTTP/2 ({@link Http2EventStream}). */
interface EndingStream {

    /** Everything received so far, as text. */
    String raw();

    /** Whether the response ended cleanly (not cut off or reset) within {@code seconds}. */
    boolean awaitCleanEnd(int seconds) throws InterruptedException;

    /** The next event; fails when none arrives in time, or the stream ended. */
    SseEvent next() throws InterruptedException;

    /** Every event up to and including the first that matches. */
    default List<SseEvent> until(Predicate<SseEvent> last) throws InterruptedException {
        List<SseEvent> received = new ArrayList<>();
        SseEvent event;
        do {
            event = next();
            received.add(event);
        } while (!last.test(event));
        return received;
    }
}
