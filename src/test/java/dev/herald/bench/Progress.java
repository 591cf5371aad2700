package dev.herald.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A progress line on stderr at most once a second: a long run shows it is alive without flooding the terminal. */
final class Progress {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final boolean enabled;
    private final String label;
    private final long start = System.nanoTime();
    private long printedAt = start;

    Progress(boolean enabled, String label) {
        this.enabled = enabled;
        this.label = label;
    }

    void print(Supplier<String> line) {
        long now = System.nanoTime();
        if (enabled && now - printedAt >= INTERVAL_NANOS) {
            printedAt = now;
            System.err.printf("[%s %5.1fs] %s%n", label, (now - start) / 1e9, line.get());
        }
    }
}
