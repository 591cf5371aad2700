package dev.herald.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a batch saves: {@code --events} events published as that many single publishes, then as batches of
 * {@code --batch} (one JSON array per request), each way twice (the first round also pays for compiling). Reports,
 * per way and round, events per second, the server's CPU per event (Herald's, and Herald's plus redis-server's with
 * {@code --redis-pid}) and the answer times of the requests (a single publish's, a whole batch's). The history is
 * full of the warm-up's events before anything is measured, so every publish evicts as in steady state. Loopback
 * only; every phase is bounded by its count and by {@link PublishConnection#TIMEOUT_MILLIS} per request.
 *
 * <pre>
 * java -cp target/test-classes dev.herald.bench.BatchCostProbe --base http://127.0.0.1:8081/herald \
 *     --server-pid 1234 --events 100000 --batch 100 --out result.json [--redis-pid 1235]
 * </pre>
 */
public final class BatchCostProbe {

    /** Events published both ways before anything is measured, so the server's code is compiled. */
    private static final int WARM_UP = 20_000;
    private static final int PUBLISHERS = 4;
    private static final int ROUNDS = 2;
    /** Topics the events spread over, so that fair retention has several to choose from. */
    private static final int TOPICS = 16;

    private final URI base;
    private final long serverPid;
    private final Long redisPid;
    private final int events;
    private final int batch;
    private final Path out;

    private BatchCostProbe(Map<String, String> args) {
        base = URI.create(args.get("base"));
        serverPid = Long.parseLong(args.get("server-pid"));
        redisPid = args.containsKey("redis-pid") ? Long.valueOf(args.get("redis-pid")) : null;
        events = Integer.parseInt(args.getOrDefault("events", "100000"));
        batch = Integer.parseInt(args.getOrDefault("batch", "100"));
        out = Path.of(args.get("out"));
    }

    public static void main(String[] argv) throws Exception {
        new BatchCostProbe(PublishRun.args(argv)).run();
    }

    private void run() throws Exception {
        long ticks = ProcessProbe.ticksPerSecond();
        ProcessProbe herald = new ProcessProbe(List.of(serverPid), ticks);
        ProcessProbe all = new ProcessProbe(redisPid == null ? List.of(serverPid) : List.of(serverPid, redisPid), ticks);

        log("warming up: " + WARM_UP + " events each way");
        publish(WARM_UP, 1);
        publish(WARM_UP, batch);
        JsonWriter json = new JsonWriter().open(null).field("events", events).field("batch", batch)
                .field("publishers", PUBLISHERS);
        json.openArray("rounds");
        for (int round = 0; round < ROUNDS; round++) {
            for (int size : new int[] {1, batch}) {
                log("round " + (round + 1) + " of " + ROUNDS + ": " + events + " events, " + size + " per request");
                double heraldCpu = herald.cpuSeconds();
                double allCpu = all.cpuSeconds();
                long start = System.nanoTime();
                Histogram latency = publish(events, size);
                double seconds = (System.nanoTime() - start) / 1e9;
                json.open(null).field("round", round + 1).field("eventsPerRequest", size)
                        .field("eventsPerSecond", events / seconds)
                        .field("heraldCpuMicrosPerEvent", (herald.cpuSeconds() - heraldCpu) / events * 1e6)
                        .field("serverCpuMicrosPerEvent", (all.cpuSeconds() - allCpu) / events * 1e6);
                latency.micros().writeTo(json, "requestLatency");
                json.close();
            }
        }
        json.closeArray().close();
        Files.writeString(out, json + "\n");
        log("wrote " + out);
    }

    /** {@code count} events, {@code size} per request, from {@link #PUBLISHERS} keep-alive connections; answer times. */
    private Histogram publish(int count, int size) throws Exception {
        return PublishRun.post(base, PUBLISHERS, (count + size - 1) / size,
                r -> body(r, size).getBytes(StandardCharsets.UTF_8));
    }

    /** Request {@code r}: one event as an object, or {@code size} as an array; the same events either way. */
    private static String body(int r, int size) {
        if (size == 1) {
            return event(r);
        }
        StringBuilder array = new StringBuilder(size * 64).append('[');
        for (int i = 0; i < size; i++) {
            array.append(i == 0 ? "" : ",").append(event(r * size + i));
        }
        return array.append(']').toString();
    }

    private static String event(int n) {
        return "{\"topic\":\"batch/" + n % TOPICS + "\",\"type\":\"note\",\"data\":{\"n\":" + n + "}}";
    }

    private static void log(String message) {
        System.err.printf("%tT batch probe: %s%n", System.currentTimeMillis(), message);
    }
}
