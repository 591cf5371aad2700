package dev.herald.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One deployment's metrics, in a Micrometer registry of its own (not the global one, so a redeploy starts clean
 * and nothing leaks between WARs), scraped in the Prometheus text format at {@code GET /api/metrics}. Every
 * meter carries the tag {@code node}.
 */
public final class HeraldMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String node;
    private final Counter connects;
    private final ConcurrentMap<String, Counter> disconnects = new ConcurrentHashMap<>();
    private final Counter published;
    private final Counter delivered;
    private final Timer publishToWrite;
    private final Counter replays;
    private final Counter resets;
    private final Counter heartbeatFailures;
    private final Counter backboneErrors;
    private final java.util.List<Supplier<Number>> counted = new java.util.concurrent.CopyOnWriteArrayList<>();

    public HeraldMetrics(String node) {
        this.node = node;
        connects = counter("herald.connects", "streams opened");
        published = counter("herald.events.published", "events published through this node");
        delivered = counter("herald.events.delivered", "events written to this node's streams");
        publishToWrite = Timer.builder("herald.publish.to.write")
                .description("from an event's arrival at this node to its write to a stream (the oldest of a write)")
                .tag("node", node)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        replays = counter("herald.catchup.replays", "streams opened with a Last-Event-ID that were caught up");
        resets = counter("herald.catchup.resets", "streams opened with a Last-Event-ID that got a reset");
        heartbeatFailures = counter("herald.heartbeat.failures", "heartbeat writes that failed: a client gone");
        backboneErrors = counter("herald.backbone.errors", "failed commands to the backbone (Redis)");
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).tag("node", node).register(registry);
    }

    /** A gauge read at each scrape, such as the open streams. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag("node", node).register(registry);
    }

    /** A count kept elsewhere, read at each scrape, with one tag, such as evictions by reason. */
    public void counter(String name, String description, String tag, String value, Supplier<Number> count) {
        // a function counter holds its object weakly: kept here, the supplier lives as long as the registry
        counted.add(count);
        FunctionCounter.builder(name, count, c -> c.get().doubleValue()).description(description).tag("node", node)
                .tag(tag, value).register(registry);
    }

    public void connected() {
        connects.increment();
    }

    /** A stream ended, for a reason such as {@code client_gone}, {@code slow} or {@code kicked}. */
    public void disconnected(String reason) {
        String tag = reason.toLowerCase(Locale.ROOT);
        disconnects.computeIfAbsent(tag, r -> Counter.builder("herald.disconnects")
                .description("streams ended, by reason").tag("node", node).tag("reason", r).register(registry))
                .increment();
    }

    public void published(int events) {
        published.increment(events);
    }

    /** {@code events} written in one write, the oldest of them queued {@code waitedNanos} ago. */
    public void delivered(int events, long waitedNanos) {
        delivered.increment(events);
        publishToWrite.record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    public void caughtUp() {
        replays.increment();
    }

    public void reset() {
        resets.increment();
    }

    public void heartbeatFailed() {
        heartbeatFailures.increment();
    }

    public void backboneFailed() {
        backboneErrors.increment();
    }

    /** The Prometheus text exposition (format 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    public void close() {
        registry.close();
    }
}
