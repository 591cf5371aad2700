package dev.herald.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Quiet topics next to a busy one: {@code --inboxes} subscribers, each on its own {@code inbox/<n>}, a
 * {@code ticker} topic at {@code --ticker-rate} events/s, and an event for each inbox every
 * {@code --inbox-period} seconds. Every inbox subscriber drops once, at a random moment in the first
 * {@code --drop-window} seconds after the warm-up, stays away {@code --away} seconds and comes back with its
 * Last-Event-ID. Ticker subscribers drop too, each for a different short time, to show the ticker's catch-up
 * window. At the end: how many got a {@code reset}, and whether every inbox got every one of its events exactly
 * once. Loopback only; every phase is bounded.
 *
 * <pre>
 * java -Xss256k -cp target/test-classes dev.herald.bench.QuietTopicsProbe --base http://127.0.0.1:8080/herald \
 *     --inboxes 10000 --out result.json
 * </pre>
 */
public final class QuietTopicsProbe {

    /** How long the ticker's subscribers stay away, one each, in milliseconds. */
    private static final long[] TICKER_AWAY_MS = {5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

    private final URI base;
    private final int inboxes;
    private final double tickerRate;
    private final int inboxPeriodSeconds;
    private final int awaySeconds;
    private final int dropWindowSeconds;
    private final int warmupSeconds;
    private final Path out;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private final AtomicLong publishFailures = new AtomicLong();
    /** Per inbox, the sequence numbers published to it. */
    private final Map<Integer, Set<Integer>> publishedToInbox = new ConcurrentHashMap<>();
    private final AtomicInteger tickerPublished = new AtomicInteger();

    private QuietTopicsProbe(Map<String, String> args) {
        this.base = URI.create(args.getOrDefault("base", "http://127.0.0.1:8080/herald").replaceAll("/?$", "/"));
        this.inboxes = Integer.parseInt(args.getOrDefault("inboxes", "10000"));
        this.tickerRate = Double.parseDouble(args.getOrDefault("ticker-rate", "200"));
        this.inboxPeriodSeconds = Integer.parseInt(args.getOrDefault("inbox-period", "60"));
        this.awaySeconds = Integer.parseInt(args.getOrDefault("away", "120"));
        this.dropWindowSeconds = Integer.parseInt(args.getOrDefault("drop-window", "60"));
        this.warmupSeconds = Integer.parseInt(args.getOrDefault("warmup", "15"));
        this.out = Path.of(args.getOrDefault("out", "quiet.json"));
    }

    public static void main(String[] argv) throws Exception {
        new QuietTopicsProbe(PublishRun.args(argv)).run();
    }

    /** One stream's client: what it received, whether it was reset, and when it drops and for how long. */
    private final class Client implements Runnable {
        final String topic;
        /** When it drops, from the moment every subscriber is ready. */
        final long dropAfterNanos;
        final long awayNanos;
        volatile long dropAtNanos;
        final List<String> data = new ArrayList<>();
        volatile boolean reset;
        volatile int opened;
        volatile String lastEventId;
        volatile Socket socket;
        final CountDownLatch ready = new CountDownLatch(1);

        Client(String topic, long dropAfterNanos, long awayNanos) {
            this.topic = topic;
            this.dropAfterNanos = dropAfterNanos;
            this.awayNanos = awayNanos;
        }

        @Override
        public void run() {
            try {
                try {
                    read(connect(null));
                } catch (IOException dropped) {
                    // the drop: the run's timer closed the socket
                }
                // away, then back with the Last-Event-ID, reading until the run closes the socket
                long wait = dropAtNanos + awayNanos - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                read(connect(lastEventId));
            } catch (IOException | InterruptedException e) {
                // the run closed the socket, or the server went away: what was received is what counts
            } finally {
                ready.countDown();
            }
        }

        private BufferedReader connect(String resumeFrom) throws IOException {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            socket = s;
            // HTTP/1.0: the stream is the body until the connection closes, not chunked
            String request = "GET " + base.getRawPath() + "api/events?topic=" + topic + " HTTP/1.0\r\nHost: "
                    + base.getHost() + "\r\nAccept: text/event-stream\r\n"
                    + (resumeFrom == null ? "" : "Last-Event-ID: " + resumeFrom + "\r\n") + "\r\n";
            OutputStream output = s.getOutputStream();
            output.write(request.getBytes(StandardCharsets.US_ASCII));
            output.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = reader.readLine();
            if (status == null || !status.contains(" 200 ")) {
                throw new IOException("not a stream: " + status);
            }
            for (String header = reader.readLine(); header != null && !header.isEmpty(); header = reader.readLine()) {
                // skip the response headers
            }
            opened++;
            return reader;
        }

        /** Reads events until the socket closes. */
        private void read(BufferedReader reader) throws IOException {
            String id = null;
            String type = "message";
            StringBuilder event = new StringBuilder();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty()) {
                    if (type.equals("reset")) {
                        reset = true;
                    } else if (type.equals("ready")) {
                        ready.countDown();
                    } else if (type.equals("message") && id != null) {
                        synchronized (data) {
                            data.add(event.toString());
                        }
                    }
                    // as EventSource does: any event with an id moves the position, ready's included
                    if (id != null) {
                        lastEventId = id;
                    }
                    id = null;
                    type = "message";
                    event.setLength(0);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    event.append(line, 6, line.length());
                }
            }
        }
    }

    private void run() throws Exception {
        Random random = new Random(2026_11_29L);
        long warmup = TimeUnit.SECONDS.toNanos(warmupSeconds);
        List<Client> inboxClients = new ArrayList<>();
        for (int n = 0; n < inboxes; n++) {
            long dropAfter = warmup + (long) (random.nextDouble() * TimeUnit.SECONDS.toNanos(dropWindowSeconds));
            inboxClients.add(new Client("inbox/" + n, dropAfter, TimeUnit.SECONDS.toNanos(awaySeconds)));
        }
        List<Client> tickerClients = new ArrayList<>();
        for (int i = 0; i < TICKER_AWAY_MS.length; i++) {
            // once the history is full, near the end of the run: that is when the ticker's share is smallest
            tickerClients.add(new Client("ticker", warmup + TimeUnit.SECONDS.toNanos(dropWindowSeconds + awaySeconds + i),
                    TimeUnit.MILLISECONDS.toNanos(TICKER_AWAY_MS[i])));
        }
        ExecutorService threads = Executors.newCachedThreadPool();
        log("connecting " + inboxes + " inbox subscribers and " + tickerClients.size() + " ticker subscribers");
        for (Client client : inboxClients) {
            threads.execute(client);
            Thread.sleep(0, 500_000);
        }
        tickerClients.forEach(threads::execute);
        for (Client client : concat(inboxClients, tickerClients)) {
            if (!client.ready.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a subscriber did not get ready within 60 s");
            }
        }
        long t0 = System.nanoTime();
        // each client's drop, on time: closing its socket ends its first read
        ScheduledExecutorService drops = Executors.newSingleThreadScheduledExecutor();
        for (Client client : concat(inboxClients, tickerClients)) {
            client.dropAtNanos = t0 + client.dropAfterNanos;
            drops.schedule(() -> closeQuietly(client.socket), client.dropAfterNanos, TimeUnit.NANOSECONDS);
        }
        log("all ready; publishing: ticker at " + tickerRate + "/s, each inbox every " + inboxPeriodSeconds + " s");
        long publishUntil = t0 + warmup + TimeUnit.SECONDS.toNanos(dropWindowSeconds + awaySeconds + 20L);
        ScheduledExecutorService publishers = Executors.newScheduledThreadPool(8);
        long tickerPeriodNanos = (long) (1e9 / tickerRate);
        publishers.scheduleAtFixedRate(() -> publish("ticker", tickerPublished.incrementAndGet()),
                0, tickerPeriodNanos, TimeUnit.NANOSECONDS);
        long inboxPeriodNanos = TimeUnit.SECONDS.toNanos(inboxPeriodSeconds) / inboxes;
        AtomicInteger nextInbox = new AtomicInteger();
        publishers.scheduleAtFixedRate(() -> {
            int n = nextInbox.getAndIncrement();
            int seq = n / inboxes;
            n %= inboxes;
            publishedToInbox.computeIfAbsent(n, k -> ConcurrentHashMap.newKeySet()).add(seq);
            publish("inbox/" + n, seq);
        }, 0, inboxPeriodNanos, TimeUnit.NANOSECONDS);
        while (System.nanoTime() < publishUntil) {
            Thread.sleep(1000);
        }
        publishers.shutdown();
        if (!publishers.awaitTermination(30, TimeUnit.SECONDS)) {
            publishers.shutdownNow();
        }
        drops.shutdownNow();
        log("published; draining for 10 s");
        Thread.sleep(10_000);
        for (Client client : inboxClients) {
            closeQuietly(client.socket);
        }
        tickerClients.forEach(client -> closeQuietly(client.socket));
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
        report(inboxClients, tickerClients);
    }

    private void publish(String topic, int seq) {
        String body = "{\"topic\":\"" + topic + "\",\"data\":" + seq + "}";
        HttpRequest request = HttpRequest.newBuilder(base.resolve("api/events")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 202) {
                publishFailures.incrementAndGet();
            }
        } catch (IOException e) {
            publishFailures.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(List<Client> inboxClients, List<Client> tickerClients) throws IOException {
        int resets = 0;
        int exactlyOnce = 0;
        int reconnected = 0;
        long lost = 0;
        long duplicated = 0;
        for (int n = 0; n < inboxClients.size(); n++) {
            Client client = inboxClients.get(n);
            resets += client.reset ? 1 : 0;
            reconnected += client.opened >= 2 ? 1 : 0;
            Set<Integer> expected = publishedToInbox.getOrDefault(n, Set.of());
            List<Integer> got = new ArrayList<>();
            synchronized (client.data) {
                client.data.forEach(d -> got.add(Integer.parseInt(d)));
            }
            long distinct = got.stream().distinct().count();
            duplicated += got.size() - distinct;
            long missing = expected.stream().filter(seq -> !got.contains(seq)).count();
            lost += missing;
            exactlyOnce += missing == 0 && got.size() == distinct && got.size() == expected.size() ? 1 : 0;
        }
        StringBuilder ticker = new StringBuilder("[");
        for (int i = 0; i < tickerClients.size(); i++) {
            ticker.append(i == 0 ? "" : ",").append("{\"awayMs\":").append(TICKER_AWAY_MS[i])
                    .append(",\"reset\":").append(tickerClients.get(i).reset).append('}');
        }
        ticker.append(']');
        String json = "{\"inboxes\":" + inboxes + ",\"tickerRate\":" + tickerRate + ",\"inboxPeriodSeconds\":"
                + inboxPeriodSeconds + ",\"awaySeconds\":" + awaySeconds + ",\"reconnected\":" + reconnected
                + ",\"resets\":" + resets + ",\"exactlyOnce\":" + exactlyOnce + ",\"lost\":" + lost
                + ",\"duplicated\":" + duplicated + ",\"inboxEventsPublished\":"
                + publishedToInbox.values().stream().mapToInt(Set::size).sum() + ",\"tickerEventsPublished\":"
                + tickerPublished.get() + ",\"publishFailures\":" + publishFailures.get() + ",\"ticker\":" + ticker
                + "}\n";
        Files.writeString(out, json);
        log(json.trim());
    }

    private static List<Client> concat(List<Client> a, List<Client> b) {
        List<Client> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void closeQuietly(Socket socket) {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static void log(String message) {
        System.out.printf("%tT quiet topics: %s%n", System.currentTimeMillis(), message);
    }
}
