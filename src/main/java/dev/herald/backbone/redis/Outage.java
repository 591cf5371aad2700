package dev.herald.backbone.redis;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Whether Redis answers, as the last command found; logs the start and the end of an outage once each. */
final class Outage {

    private static final Logger LOG = Logger.getLogger(RedisBackbone.class.getName());

    private final String where;
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile Runnable onFailure = () -> { };

    Outage(String where) {
        this.where = where;
    }

    boolean isDown() {
        return down.get();
    }

    /** Called at every failure, not only the first of an outage: for the error count. */
    void onFailure(Runnable onFailure) {
        this.onFailure = onFailure;
    }

    void failed(Exception cause) {
        onFailure.run();
        if (down.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "Redis at " + where + " is unreachable (" + cause
                    + "): publishing answers 503 and open streams wait, until it is back");
        }
    }

    void recovered(String state) {
        if (down.compareAndSet(true, false)) {
            LOG.info(() -> "Redis at " + where + " is reachable again; " + state);
        }
    }

    /** Waits before the next attempt: 100 ms, doubling up to 5 s. Returns the next delay. */
    static long backOff(long delayMillis) throws InterruptedException {
        Thread.sleep(delayMillis);
        return Math.min(5000, delayMillis * 2);
    }
}
