package dev.herald.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an undeploy does to open streams, seen from the clients: opens {@code --streams} streams to one Herald,
 * waits until every one has its {@code ready}, writes {@code --ready-file} (the script then removes the WAR,
 * touches Payara's {@code .reload}...) and counts how each stream ends: cleanly (the chunked response's last
 * chunk) with a last {@code retry:} line, cleanly without one, or cut off. With {@code --publish-rate}, a publisher
 * sends events all along (each with its own Idempotency-Key, retried until accepted), every stream reconnects
 * with its Last-Event-ID once the node answers again, and each must end up with every accepted event exactly
 * once, in order: what a Redis backbone promises across a redeploy. Loopback only; every wait is bounded.
 *
 * <pre>
 * java -cp target/test-classes dev.herald.bench.RedeployProbe --base http://127.0.0.1:8080/herald --streams 2000 \
 *     --ready-file /tmp/ready --out result.json [--publish-rate 20]
 * </pre>
 */
public final class RedeployProbe {

    private static final Pattern ID = Pattern.compile("\\{\"id\":\"([0-9]+-[0-9]+)\"}");
    private static final Pattern RETRY = Pattern.compile("(?s).*\nretry: [0-9]+\n\n$");

    private final URI base;
    private final int streams;
    private final double connectRate;
    private final double publishRate;
    private final Path readyFile;
    private final int endSeconds;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean publishing = new AtomicBoolean(true);

    private RedeployProbe(URI base, int streams, double connectRate, double publishRate, Path readyFile,
            int endSeconds) {
        this.base = base;
        this.streams = streams;
        this.connectRate = connectRate;
        this.publishRate = publishRate;
        this.readyFile = readyFile;
        this.endSeconds = endSeconds;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        URI base = URI.create(options.getOrDefault("--base", "http://127.0.0.1:8080/herald").replaceAll("/$", ""));
        if (!"127.0.0.1".equals(base.getHost())) {
            throw new IllegalArgumentException("--base must be on 127.0.0.1: " + base);
        }
        RedeployProbe probe = new RedeployProbe(base, Integer.parseInt(options.getOrDefault("--streams", "2000")),
                Double.parseDouble(options.getOrDefault("--connect-rate", "500")),
                Double.parseDouble(options.getOrDefault("--publish-rate", "0")),
                Path.of(options.getOrDefault("--ready-file", "ready")),
                Integer.parseInt(options.getOrDefault("--end-seconds", "120")));
        String report = probe.run();
        System.out.println(report);
        if (options.containsKey("--out")) {
            Files.writeString(Path.of(options.get("--out")), report + "\n");
        }
        System.exit(0);
    }

    private String run() throws Exception {
        List<Stream> opened = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            Stream stream = new Stream();
            opened.add(stream);
            threads.execute(() -> stream.read(null));
            if (connectRate > 0) {
                Thread.sleep((long) (1000 / connectRate));
            }
        }
        for (Stream stream : opened) {
            if (!stream.ready.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a stream got no ready within 120 s: " + stream.failure);
            }
        }
        if (publishRate > 0) {
            threads.execute(this::publish);
        }
        Files.writeString(readyFile, "ready\n");
        System.err.println("probe: " + streams + " streams ready; waiting for them to end");
        int clean = 0;
        int cleanWithRetry = 0;
        int cut = 0;
        int open = 0;
        for (Stream stream : opened) {
            if (!stream.ended.await(endSeconds, TimeUnit.SECONDS)) {
                open++;
            } else if (stream.clean) {
                clean++;
                if (RETRY.matcher(stream.tail.toString()).matches()) {
                    cleanWithRetry++;
                }
            } else {
                cut++;
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("streams", streams);
        report.put("endedCleanlyWithRetry", cleanWithRetry);
        report.put("endedCleanlyWithoutRetry", clean - cleanWithRetry);
        report.put("cutOff", cut);
        report.put("stillOpen", open);
        if (publishRate > 0) {
            report.putAll(catchUp(opened));
        }
        threads.shutdownNow();
        JsonWriter json = new JsonWriter().open(null);
        report.forEach((name, value) -> json.field(name, ((Number) value).longValue()));
        return json.close().toString();
    }

    /** After the redeploy: every stream reconnects with its Last-Event-ID; each must hold every accepted event once. */
    private Map<String, Object> catchUp(List<Stream> opened) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!answers()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node did not answer again within 180 s");
            }
            Thread.sleep(200);
        }
        List<Stream> again = new ArrayList<>();
        for (Stream before : opened) {
            Stream after = new Stream();
            after.received.addAll(before.received);
            again.add(after);
            threads.execute(() -> after.read(before.lastEventId));
            if (connectRate > 0) {
                Thread.sleep((long) (1000 / connectRate));
            }
        }
        for (Stream stream : again) {
            stream.ready.await(120, TimeUnit.SECONDS);
        }
        Thread.sleep(2000);
        publishing.set(false);
        Thread.sleep(500);
        List<String> expected;
        synchronized (accepted) {
            expected = new ArrayList<>(accepted);
        }
        String last = expected.isEmpty() ? null : expected.get(expected.size() - 1);
        int exact = 0;
        int resets = 0;
        for (Stream stream : again) {
            long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (last != null && !stream.received.contains(last) && System.nanoTime() < wait) {
                Thread.sleep(50);
            }
            resets += stream.reset ? 1 : 0;
            if (stream.received.equals(expected)) {
                exact++;
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("eventsAccepted", expected.size());
        result.put("reconnectedWithEveryEventExactlyOnce", exact);
        result.put("resets", resets);
        return result;
    }

    private boolean answers() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/api/health/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Publishes at the rate until told to stop, each event retried with its own key until a node accepts it. */
    private void publish() {
        long start = System.nanoTime();
        try {
            for (int seq = 0; publishing.get() && seq < 1_000_000; seq++) {
                long due = start + (long) (seq * 1e9 / publishRate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String id = null;
                while (id == null && publishing.get()) {
                    try {
                        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base + "/api/events"))
                                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                                .header("Idempotency-Key", "redeploy-" + seq)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"redeploy\",\"data\":" + seq + "}"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        Matcher matcher = ID.matcher(answer.body());
                        if (answer.statusCode() == 202 && matcher.matches()) {
                            id = matcher.group(1);
                        }
                    } catch (IOException e) {
                        // the node is being redeployed: retried with the same key
                    }
                    if (id == null) {
                        Thread.sleep(100);
                    }
                }
                if (id != null) {
                    accepted.add(id);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One stream, read on its own thread over a plain socket, so its end is seen exactly as it happened. */
    private final class Stream {

        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        final List<String> received = Collections.synchronizedList(new ArrayList<>());
        /** The end of what it received, enough to see a last retry: line. */
        final StringBuilder tail = new StringBuilder();
        volatile boolean clean;
        volatile boolean reset;
        volatile String lastEventId;
        volatile String failure;

        void read(String resumeFrom) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
                socket.setSoTimeout((endSeconds + 60) * 1000);
                OutputStream out = socket.getOutputStream();
                String request = "GET " + base.getPath() + "/api/events?topic=redeploy HTTP/1.1\r\nHost: "
                        + base.getHost() + ":" + base.getPort() + "\r\nAccept: text/event-stream\r\n"
                        + (resumeFrom == null ? "" : "Last-Event-ID: " + resumeFrom + "\r\n") + "\r\n";
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = new BufferedInputStream(socket.getInputStream());
                String status = line(in);
                if (status == null || !status.contains(" 200 ")) {
                    throw new IOException("refused: " + status);
                }
                while (!line(in).isEmpty()) {
                    // headers; Herald's streams are chunked
                }
                String id = null;
                String type = null;
                for (String size = line(in); size != null; size = line(in)) {
                    int length = Integer.parseInt(size.split(";")[0].trim(), 16);
                    if (length == 0) {
                        clean = true;
                        return;
                    }
                    byte[] chunk = in.readNBytes(length);
                    if (chunk.length < length) {
                        return;
                    }
                    line(in);
                    String text = new String(chunk, StandardCharsets.UTF_8);
                    tail.append(text);
                    if (tail.length() > 256) {
                        tail.delete(0, tail.length() - 256);
                    }
                    for (String field : text.split("\n", -1)) {
                        if (field.startsWith("id: ")) {
                            id = field.substring(4);
                        } else if (field.startsWith("event: ")) {
                            type = field.substring(7);
                        } else if (field.isEmpty() && type != null) {
                            if (type.equals("ready")) {
                                ready.countDown();
                            } else if (type.equals("reset")) {
                                reset = true;
                            } else if (type.equals("message") && id != null) {
                                received.add(id);
                            }
                            if (id != null) {
                                lastEventId = id;
                            }
                            id = null;
                            type = null;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
            } finally {
                ready.countDown();
                ended.countDown();
            }
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                bytes.write(b);
            }
            if (b == -1 && bytes.size() == 0) {
                return null;
            }
            String line = bytes.toString(StandardCharsets.UTF_8);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }
    }
}
