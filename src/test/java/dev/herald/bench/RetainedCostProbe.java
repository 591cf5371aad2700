package dev.herald.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The memory held by retained events: {@code --topics} publishes with {@code "retain": true}, each on a topic of its
 * own, against a Herald whose history is small ({@code herald.history.size=1000}, bench/retained.sh), so that what
 * grows is the retained events, not the history; then as many again on the same topics, which replace them and
 * should leave the heap where it was. Reports the live heap (jcmd, after a full GC) before, after the first round and
 * after the second, and the bytes per retained topic; with {@code --redis-port}, Redis's {@code used_memory} too. The topics are {@code retained/<n>} (10 to 15 characters), the
 * data {@code {"n":<n>}}. Loopback only; every phase is bounded by its count and by
 * {@link PublishConnection#TIMEOUT_MILLIS} per publish.
 *
 * <pre>
 * java -cp target/test-classes dev.herald.bench.RetainedCostProbe --base http://127.0.0.1:8081/herald \
 *     --server-pid 1234 --topics 100000 --out result.json [--redis-port 6390]
 * </pre>
 */
public final class RetainedCostProbe {

    /** Publishes without retain before anything is measured: the server's code is compiled, the history full. */
    private static final int WARM_UP = 20_000;
    private static final int PUBLISHERS = 4;

    private final URI base;
    private final long serverPid;
    private final int topics;
    private final Path out;
    /** The redis-server of a node on Redis, whose {@code used_memory} is measured too; null in memory. */
    private final Integer redisPort;

    private RetainedCostProbe(Map<String, String> args) {
        base = URI.create(args.get("base"));
        serverPid = Long.parseLong(args.get("server-pid"));
        topics = Integer.parseInt(args.getOrDefault("topics", "100000"));
        out = Path.of(args.get("out"));
        redisPort = args.containsKey("redis-port") ? Integer.valueOf(args.get("redis-port")) : null;
    }

    public static void main(String[] argv) throws Exception {
        new RetainedCostProbe(PublishRun.args(argv)).run();
    }

    private void run() throws Exception {
        JcmdProbe jcmd = JcmdProbe.find();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);

        publish(WARM_UP, n -> "warm", false);
        long heapBefore = jcmd.liveHeapBytes(serverPid, deadline);
        long redisBefore = redisUsedMemory();
        log("retaining one event on each of " + topics + " topics");
        publish(topics, n -> "retained/" + n, true);
        long heapRetained = jcmd.liveHeapBytes(serverPid, deadline);
        long redisRetained = redisUsedMemory();
        log("replacing each of them");
        publish(topics, n -> "retained/" + n, true);
        long heapReplaced = jcmd.liveHeapBytes(serverPid, deadline);
        long redisReplaced = redisUsedMemory();

        JsonWriter json = new JsonWriter().open(null).field("topics", topics);
        json.open("memory").field("liveHeapBeforeBytes", heapBefore).field("liveHeapRetainedBytes", heapRetained)
                .field("liveHeapReplacedBytes", heapReplaced)
                .field("heapBytesPerRetainedTopic", (double) (heapRetained - heapBefore) / topics)
                .field("heapBytesPerRetainedTopicAfterReplacing", (double) (heapReplaced - heapBefore) / topics);
        if (redisPort != null) {
            json.field("redisUsedMemoryBeforeBytes", redisBefore).field("redisUsedMemoryRetainedBytes", redisRetained)
                    .field("redisUsedMemoryReplacedBytes", redisReplaced)
                    .field("redisBytesPerRetainedTopic", (double) (redisRetained - redisBefore) / topics)
                    .field("redisBytesPerRetainedTopicAfterReplacing", (double) (redisReplaced - redisBefore) / topics);
        }
        json.close().close();
        Files.writeString(out, json + "\n");
        log("wrote " + out);
    }

    private long redisUsedMemory() throws IOException {
        return redisPort == null ? 0 : RedisMemory.used(redisPort);
    }

    private interface TopicOf {
        String topic(int n);
    }

    /** {@code count} publishes from {@link #PUBLISHERS} keep-alive connections; every one must be accepted. */
    private void publish(int count, TopicOf topicOf, boolean retain) throws Exception {
        PublishRun.post(base, PUBLISHERS, count, n -> ("{\"topic\":\"" + topicOf.topic(n) + "\",\"data\":{\"n\":" + n
                + "}" + (retain ? ",\"retain\":true}" : "}")).getBytes(StandardCharsets.UTF_8));
    }

    private static void log(String message) {
        System.err.printf("%tT retained probe: %s%n", System.currentTimeMillis(), message);
    }
}
