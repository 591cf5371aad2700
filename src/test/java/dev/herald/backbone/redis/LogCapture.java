package dev.herald.backbone.redis;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The records a class's logger writes that {@code keep} accepts, from now until {@link #close}. */
final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger;
    private final Predicate<LogRecord> keep;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger, Predicate<LogRecord> keep) {
        this.logger = logger;
        this.keep = keep;
    }

    static LogCapture of(Class<?> owner, Predicate<LogRecord> keep) {
        LogCapture capture = new LogCapture(Logger.getLogger(owner.getName()), keep);
        capture.logger.addHandler(capture);
        return capture;
    }

    /** What was kept so far, in order; safe to read while the logger writes. */
    List<LogRecord> records() {
        return records;
    }

    @Override
    public void publish(LogRecord record) {
        if (keep.test(record)) {
            records.add(record);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
