package dev.herald.it;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Waiting, bounded, for something a test observes from outside (the server's client list, a browser's tabs). */
final class Await {

    private Await() {
    }

    /** Polls {@code condition} every 100 ms; fails naming {@code what} when it is still false after {@code within}. */
    static void until(String what, Duration within, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within.toSeconds() + " s: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
