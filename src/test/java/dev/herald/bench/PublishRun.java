package dev.herald.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The publishing side of the cost probes (retention, batches, retained events): request bodies posted from a few
 * keep-alive connections, each one required to be accepted, with their answer times. Bounded by the count, by
 * {@link PublishConnection#TIMEOUT_MILLIS} per request and by ten minutes in all.
 */
final class PublishRun {

    private PublishRun() {
    }

    /** {@code --name value} pairs, as the probes take them. */
    static Map<String, String> args(String[] argv) {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        return args;
    }

    /**
     * Posts {@code body(0)} to {@code body(requests - 1)} to {@code base}'s {@code /api/events} from
     * {@code connections} keep-alive connections; every answer must be 202.
     */
    static Histogram post(URI base, int connections, int requests, IntFunction<byte[]> body) throws Exception {
        AtomicInteger next = new AtomicInteger();
        String host = base.getHost() + ":" + base.getPort();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Histogram>> parts = new ArrayList<>();
            for (int p = 0; p < connections; p++) {
                parts.add(pool.submit(() -> {
                    Histogram times = new Histogram();
                    try (PublishConnection connection = new PublishConnection(
                            new InetSocketAddress(base.getHost(), base.getPort()), host, base.getRawPath() + "/api/events",
                            null)) {
                        for (int r = next.getAndIncrement(); r < requests; r = next.getAndIncrement()) {
                            byte[] bytes = body.apply(r);
                            long sent = System.nanoTime();
                            int status = connection.post(bytes);
                            times.record(System.nanoTime() - sent);
                            if (status != 202) {
                                throw new IOException("request " + r + " answered " + status);
                            }
                        }
                    }
                    return times;
                }));
            }
            Histogram all = new Histogram();
            for (Future<Histogram> part : parts) {
                all.add(part.get(10, TimeUnit.MINUTES));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }
}
