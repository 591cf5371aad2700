package dev.herald.bench;

import java.util.List;
import java.util.Map;

/**
 * What one run measured. Latencies and connect times are in microseconds; {@code null} blocks were not
 * measured (no {@code --server-pid}, no reconnect scenario). {@link #toJson()} is what the CLI prints.
 */
public record LoadReport(String label, Target target, String startedAt, boolean timedOut, LoadOptions options,
        Phases phases, Subscribers subscribers, Deliveries deliveries, Distribution latency,
        Distribution latencyStalled, Distribution latencyReplayed, ConnectTimes connectTime, Stalled stalled,
        Reconnect reconnect, Publish publish, Server server, Memory memory, List<String> notes) {

    /** Seconds spent in each phase; a phase that did not run is 0. */
    public record Phases(double connectSeconds, double idleSeconds, double publishSeconds, double drainSeconds,
            double reconnectSeconds, double totalSeconds) {
    }

    /**
     * {@code connected}: subscribers whose first connection was established (on Herald: got {@code ready});
     * {@code failed}: those whose first connection failed; {@code failureReasons}: every failed attempt, first
     * or reconnect, by reason; {@code exactlyOnce}: connected subscribers that got every accepted event once.
     */
    public record Subscribers(int requested, int connected, int failed, Map<String, Long> failureReasons,
            int disconnectedByServer, int reconnects, int reconnectFailures, int gaveUp, int resets, int exactlyOnce) {
    }

    /**
     * {@code expected}: accepted publishes x connected subscribers. {@code received} counts every bench
     * delivery, duplicates and catch-up included; {@code unexpected}: deliveries of events whose publish was not
     * accepted (a timed-out POST that went through); {@code foreign}: bench events of another run, ignored.
     */
    public record Deliveries(long expected, long received, long lost, long duplicated, long replayed, long unexpected,
            long foreign, double windowSeconds, double deliveriesPerSecond) {
    }

    /** From connect to the response headers, and to {@code ready} on Herald (null on the other targets). */
    public record ConnectTimes(Distribution headers, Distribution ready) {
    }

    /** The stalled subscribers: how many the server disconnected, how many came back, how many ended exactly once. */
    public record Stalled(int requested, int connected, int disconnectedByServer, int reconnected, int exactlyOnce,
            long lost, long duplicated) {
    }

    /**
     * The reconnect scenario: {@code closed} subscribers, {@code reconnected} on the first try, {@code failed}
     * first tries (they retry like any dropped stream), the connect times of the first tries, and the events
     * caught up on them against {@code publishedWhileDisconnected} each.
     */
    public record Reconnect(int afterEvents, int closed, int reconnected, int failed, ConnectTimes connectTime,
            long replayed, int publishedWhileDisconnected) {
    }

    public record Publish(long attempted, long ok, Map<String, Long> errors, double ratePerSecond, Distribution latency) {
    }

    /** CPU of the server's processes and of the load tool over the window from the first publish to the end of the drain. */
    public record Server(List<Long> pids, long clockTicksPerSecond, double windowSeconds, Double cpuSeconds,
            Double cpuMicrosPerDelivery, Double loadToolCpuSeconds) {
    }

    /** Server memory before connecting and after the idle phase, in bytes; null where it could not be measured. */
    public record Memory(int connections, Long rssBefore, Long rssAfter, Long liveHeapBefore, Long liveHeapAfter,
            Long nmtCommittedBefore, Long nmtCommittedAfter) {
    }

    public long expected() {
        return deliveries.expected();
    }

    public long received() {
        return deliveries.received();
    }

    public long lost() {
        return deliveries.lost();
    }

    public long duplicated() {
        return deliveries.duplicated();
    }

    public String toJson() {
        JsonWriter json = new JsonWriter().open(null)
                .field("label", label)
                .field("target", target.id())
                .field("startedAt", startedAt)
                .field("timedOut", timedOut);
        writeOptions(json);
        json.open("phases")
                .field("connectSeconds", phases.connectSeconds())
                .field("idleSeconds", phases.idleSeconds())
                .field("publishSeconds", phases.publishSeconds())
                .field("drainSeconds", phases.drainSeconds())
                .field("reconnectSeconds", phases.reconnectSeconds())
                .field("totalSeconds", phases.totalSeconds())
                .close();
        json.open("subscribers")
                .field("requested", subscribers.requested())
                .field("connected", subscribers.connected())
                .field("failed", subscribers.failed());
        counts(json, "failureReasons", subscribers.failureReasons());
        json.field("disconnectedByServer", subscribers.disconnectedByServer())
                .field("reconnects", subscribers.reconnects())
                .field("reconnectFailures", subscribers.reconnectFailures())
                .field("gaveUp", subscribers.gaveUp())
                .field("resets", subscribers.resets())
                .field("exactlyOnce", subscribers.exactlyOnce())
                .close();
        json.open("deliveries")
                .field("expected", deliveries.expected())
                .field("received", deliveries.received())
                .field("lost", deliveries.lost())
                .field("duplicated", deliveries.duplicated())
                .field("replayed", deliveries.replayed())
                .field("unexpected", deliveries.unexpected())
                .field("foreign", deliveries.foreign())
                .field("windowSeconds", deliveries.windowSeconds())
                .field("deliveriesPerSecond", deliveries.deliveriesPerSecond())
                .close();
        latency.writeTo(json, "latency");
        latencyStalled.writeTo(json, "latencyStalled");
        latencyReplayed.writeTo(json, "latencyReplayed");
        connectTimes(json, "connectTime", connectTime);
        json.open("stalled")
                .field("requested", stalled.requested())
                .field("connected", stalled.connected())
                .field("disconnectedByServer", stalled.disconnectedByServer())
                .field("reconnected", stalled.reconnected())
                .field("exactlyOnce", stalled.exactlyOnce())
                .field("lost", stalled.lost())
                .field("duplicated", stalled.duplicated())
                .close();
        writeReconnect(json);
        json.open("publish")
                .field("attempted", publish.attempted())
                .field("ok", publish.ok());
        counts(json, "errors", publish.errors());
        json.field("ratePerSecond", publish.ratePerSecond());
        publish.latency().writeTo(json, "latency");
        json.close();
        writeServer(json);
        writeMemory(json);
        json.openArray("notes");
        notes.forEach(json::element);
        json.closeArray();
        return json.close().toString();
    }

    private void writeOptions(JsonWriter json) {
        json.open("options")
                .field("base", options.base().toString())
                .field("publishBase", options.publishBase().toString())
                .field("context", target == Target.HERALD ? options.context() : null)
                .field("topic", options.topic())
                .field("wildcardPercent", options.wildcardPercent())
                .field("subscribers", options.subscribers())
                .field("events", options.events())
                .field("rate", options.rate())
                .field("publishers", options.publishers())
                .field("payloadBytes", options.payloadBytes())
                .field("connectRate", options.connectRate())
                .field("connectBatch", options.connectBatch())
                .field("connectTimeoutSeconds", options.connectTimeoutSeconds())
                .field("stalled", options.stalled())
                .field("stalledRcvbuf", options.stalledRcvbuf())
                .field("stallSeconds", options.stallSeconds())
                .field("reconnectAfter", options.reconnectAfter())
                .field("reconnectOnEof", options.reconnectOnEof())
                .field("drainSeconds", options.drainSeconds())
                .field("idleSeconds", options.idleSeconds())
                .field("idleOnly", options.idleOnly())
                .openArray("serverPids");
        options.serverPids().forEach(json::element);
        json.closeArray()
                .field("jvm", options.jvm())
                .field("deadlineSeconds", options.deadlineSeconds())
                .field("selectors", options.selectors())
                .close();
    }

    private void writeReconnect(JsonWriter json) {
        if (reconnect == null) {
            json.nullField("reconnect");
            return;
        }
        json.open("reconnect")
                .field("afterEvents", reconnect.afterEvents())
                .field("closed", reconnect.closed())
                .field("reconnected", reconnect.reconnected())
                .field("failed", reconnect.failed());
        connectTimes(json, "connectTime", reconnect.connectTime());
        json.field("replayed", reconnect.replayed())
                .field("publishedWhileDisconnected", reconnect.publishedWhileDisconnected())
                .close();
    }

    private void writeServer(JsonWriter json) {
        if (server == null) {
            json.nullField("server");
            return;
        }
        json.open("server").openArray("pids");
        server.pids().forEach(json::element);
        json.closeArray()
                .field("clockTicksPerSecond", server.clockTicksPerSecond())
                .field("windowSeconds", server.windowSeconds())
                .field("cpuSeconds", server.cpuSeconds())
                .field("cpuMicrosPerDelivery", server.cpuMicrosPerDelivery())
                .field("loadToolCpuSeconds", server.loadToolCpuSeconds())
                .close();
    }

    private void writeMemory(JsonWriter json) {
        if (memory == null) {
            json.nullField("memory");
            return;
        }
        json.open("memory").field("connections", memory.connections());
        growth(json, "rss", memory.rssBefore(), memory.rssAfter());
        growth(json, "liveHeap", memory.liveHeapBefore(), memory.liveHeapAfter());
        growth(json, "nmtCommitted", memory.nmtCommittedBefore(), memory.nmtCommittedAfter());
        json.close();
    }

    /** Before, after, growth and growth per connection of one measure, or nulls where it is missing. */
    private void growth(JsonWriter json, String name, Long before, Long after) {
        Long growth = before == null || after == null ? null : after - before;
        Double perConnection = growth == null || memory.connections() == 0 ? null : (double) growth / memory.connections();
        json.field(name + "BeforeBytes", before)
                .field(name + "AfterBytes", after)
                .field(name + "GrowthBytes", growth)
                .field(name + "PerConnectionBytes", perConnection)
                .field(name + "PerConnectionKiB", perConnection == null ? null : perConnection / 1024);
    }

    private static void connectTimes(JsonWriter json, String name, ConnectTimes times) {
        json.open(name);
        times.headers().writeTo(json, "headers");
        if (times.ready() == null) {
            json.nullField("ready");
        } else {
            times.ready().writeTo(json, "ready");
        }
        json.close();
    }

    private static void counts(JsonWriter json, String name, Map<String, Long> counts) {
        json.open(name);
        counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> json.field(e.getKey(), e.getValue()));
        json.close();
    }
}
