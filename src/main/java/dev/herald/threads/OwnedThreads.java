package dev.herald.threads;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names the threads of one executor and remembers them, so a shutdown can wait until each has really ended. An
 * executor reports itself terminated a moment before its last thread is gone, and Tomcat, checking for leaks
 * right after the WAR's listener returns, would report that thread as leaked.
 */
public final class OwnedThreads implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    /** Every thread ever made here; an executor makes at most its pool size, and replaces only failed ones. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public OwnedThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable runnable) {
        Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        threads.add(thread);
        return thread;
    }

    /**
     * Lets {@code executor} (made with these threads) finish what it was given, interrupting it after half of
     * {@code wait}, then waits for its threads to end, all within {@code wait}.
     */
    public void shutDownAndJoin(ExecutorService executor, Duration wait) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(wait.toMillis() / 2, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        join(wait.dividedBy(2));
    }

    /** Waits up to {@code wait} in all for every thread to end, after its executor was shut down. */
    public void join(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                thread.join(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
