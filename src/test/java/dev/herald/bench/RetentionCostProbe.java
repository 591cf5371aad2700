package dev.herald.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What fair retention costs a publish and a held event: a history of {@code --topics} events, each on a topic of its
 * own, then twice {@code --measure} more publishes on new topics, each of which makes the history give one event
 * way. Reports the server's CPU per publish and the publishers' answer times for each of the two rounds (the first
 * also pays for compiling the eviction path), and the live heap (and, with
 * {@code --redis-port}, Redis's {@code used_memory}) per held event. Run against Herald with one history per topic
 * and against the single ring before it, with the same options (bench/retention.sh). Loopback only; every phase is
 * bounded by its count and by {@link PublishConnection#TIMEOUT_MILLIS} per publish.
 *
 * <pre>
 * java -cp target/test-classes dev.herald.bench.RetentionCostProbe --base http://127.0.0.1:8081/herald \
 *     --server-pid 1234 --topics 100000 --measure 50000 --out result.json [--redis-port 6390 --redis-pid 1235]
 * </pre>
 */
public final class RetentionCostProbe {

    /** Publishes on one topic before anything is measured, so the server's code is compiled; evicted later. */
    private static final int WARM_UP = 20_000;
    private static final int PUBLISHERS = 4;
    private static final int ROUNDS = 2;

    private final URI base;
    private final long serverPid;
    private final Long redisPid;
    private final Integer redisPort;
    private final int topics;
    private final int measure;
    private final Path out;

    private RetentionCostProbe(Map<String, String> args) {
        base = URI.create(args.get("base"));
        serverPid = Long.parseLong(args.get("server-pid"));
        redisPid = args.containsKey("redis-pid") ? Long.valueOf(args.get("redis-pid")) : null;
        redisPort = args.containsKey("redis-port") ? Integer.valueOf(args.get("redis-port")) : null;
        topics = Integer.parseInt(args.getOrDefault("topics", "100000"));
        measure = Integer.parseInt(args.getOrDefault("measure", "50000"));
        out = Path.of(args.get("out"));
    }

    public static void main(String[] argv) throws Exception {
        new RetentionCostProbe(PublishRun.args(argv)).run();
    }

    private void run() throws Exception {
        long ticks = ProcessProbe.ticksPerSecond();
        ProcessProbe herald = new ProcessProbe(List.of(serverPid), ticks);
        ProcessProbe all = new ProcessProbe(redisPid == null ? List.of(serverPid) : List.of(serverPid, redisPid), ticks);
        JcmdProbe jcmd = JcmdProbe.find();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);

        publish(WARM_UP, n -> "warm");
        long heapBefore = jcmd.liveHeapBytes(serverPid, deadline);
        long redisBefore = redisUsedMemory();
        log("filling the history: " + topics + " topics of one event each");
        publish(topics, n -> "t/" + n);
        long heapFull = jcmd.liveHeapBytes(serverPid, deadline);
        long redisFull = redisUsedMemory();

        // held events: WARM_UP before, then the history is full of single-event topics (topics >= WARM_UP)
        long added = topics - WARM_UP;
        JsonWriter json = new JsonWriter().open(null).field("topics", topics).field("measured", measure);
        json.openArray("rounds");
        // the first round also finishes the compiler's work on the eviction path; the second is the figure
        for (int round = 0; round < ROUNDS; round++) {
            String prefix = "r" + round + "/";
            log("measuring, round " + (round + 1) + " of " + ROUNDS + ": " + measure
                    + " publishes on new topics, each evicting one event");
            double heraldCpu = herald.cpuSeconds();
            double allCpu = all.cpuSeconds();
            long start = System.nanoTime();
            Histogram latency = publish(measure, n -> prefix + n);
            double seconds = (System.nanoTime() - start) / 1e9;
            json.open(null).field("publishesPerSecond", measure / seconds)
                    .field("heraldCpuMicrosPerPublish", (herald.cpuSeconds() - heraldCpu) / measure * 1e6)
                    .field("serverCpuMicrosPerPublish", (all.cpuSeconds() - allCpu) / measure * 1e6);
            latency.micros().writeTo(json, "publishLatency");
            json.close();
        }
        json.closeArray();
        long heapAfter = jcmd.liveHeapBytes(serverPid, deadline);
        json.open("memory").field("liveHeapBeforeBytes", heapBefore).field("liveHeapFullBytes", heapFull)
                .field("liveHeapAfterMeasureBytes", heapAfter)
                .field("heapBytesPerHeldEvent", (double) (heapFull - heapBefore) / added)
                .field("heapBytesPerHeldEventAfterMeasure", (double) (heapAfter - heapBefore) / added);
        if (redisPort != null) {
            json.field("redisUsedMemoryBeforeBytes", redisBefore).field("redisUsedMemoryFullBytes", redisFull)
                    .field("redisBytesPerHeldEvent", (double) (redisFull - redisBefore) / added);
        }
        json.close().close();
        Files.writeString(out, json + "\n");
        log("wrote " + out);
    }

    private interface TopicOf {
        String topic(int n);
    }

    /** {@code count} publishes from {@link #PUBLISHERS} keep-alive connections; their answer times. */
    private Histogram publish(int count, TopicOf topicOf) throws Exception {
        return PublishRun.post(base, PUBLISHERS, count, n -> ("{\"topic\":\"" + topicOf.topic(n)
                + "\",\"type\":\"note\",\"data\":{\"n\":" + n + "}}").getBytes(StandardCharsets.UTF_8));
    }

    /** Redis's {@code used_memory}, 0 without {@code --redis-port}. */
    private long redisUsedMemory() throws IOException {
        return redisPort == null ? 0 : RedisMemory.used(redisPort);
    }

    private static void log(String message) {
        System.err.printf("%tT retention probe: %s%n", System.currentTimeMillis(), message);
    }
}
