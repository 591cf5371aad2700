package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Undeploying Herald with 300 streams open ends every stream cleanly: each gets its last {@code retry:} line and
 * the end of the chunked response, as at a server stop, although Tomcat times the streams out before Herald's own
 * shutdown runs (see docs/operations.md). Tomcat's log stays free of SEVERE lines, stack traces and leak warnings
 * (threads, ThreadLocals, JDBC, timers, requests still running). Over HTTP/2 the same holds for the streams of one
 * connection. Tomcat only: the Payara Micro adapter deploys one WAR per server and stops the server with it, so a
 * test cannot watch an undeploy there.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UndeployTomcatIT {

    private static final String DRAINED = "drained";
    private static final int STREAMS = 300;
    /** Fewer than Tomcat's maxConcurrentStreams (100), the streams one HTTP/2 connection may carry. */
    private static final int HTTP2_STREAMS = 50;

    @ArquillianResource
    private Deployer deployer;

    @ArquillianResource
    private URL herald;

    @Deployment(name = "herald", testable = false, order = 1)
    static WebArchive herald() {
        return BuiltWar.load();
    }

    @Deployment(name = DRAINED, testable = false, managed = false, order = 2)
    static WebArchive drained() {
        return BuiltWar.configured(DRAINED, Map.of());
    }

    @Test
    void undeployingEndsEveryStreamWithoutSevereLinesOrLeaks() throws Exception {
        deployer.deploy(DRAINED);
        ExecutorService readers = Executors.newCachedThreadPool();
        List<SseStream> streams = new ArrayList<>();
        Path log = todaysLog();
        long logBefore;
        try {
            Api api = new Api(new URL(herald, "/" + DRAINED + "/"), readers);
            for (int i = 0; i < STREAMS; i++) {
                SseStream stream = api.stream("topic=drain");
                streams.add(stream);
            }
            for (SseStream stream : streams) {
                assertEquals("ready", stream.ready().type());
            }
            logBefore = Files.size(log);

            deployer.undeploy(DRAINED);

            assertEachEndsCleanlyWithItsRetryLine(streams);
        } finally {
            for (SseStream stream : streams) {
                stream.close();
            }
            readers.shutdownNow();
        }
        String written = readFrom(log, logBefore);
        for (String bad : List.of("SEVERE", "Exception", "ThreadLocal", "yet to finish")) {
            assertTrue(!written.contains(bad), "the log has '" + bad + "' after the undeploy:\n" + written);
        }
        // Tomcat's own utility thread can be caught running the context's background work at the check, and is
        // then reported under the WAR's name; any other thread reported would be one Herald left behind
        Matcher leaked = Pattern.compile("started a thread named \\[([^\\]]+)]").matcher(written);
        while (leaked.find()) {
            assertTrue(leaked.group(1).startsWith("Catalina-utility-"), "a thread left running: " + leaked.group(1));
        }
        assertTrue(written.contains("Herald stopped"), written);
    }

    /**
     * The same over HTTP/2 (HTTPS, Tomcat's TLS connector), with every stream on one connection: each ends with its
     * last {@code retry:} line and a DATA frame with END_STREAM, not a reset.
     */
    @Test
    void undeployingEndsEveryStreamOnOneHttp2ConnectionWithItsRetryLine() throws Exception {
        deployer.deploy(DRAINED);
        Set<String> before = Http2Client.connectionsTo(Http2Client.HTTPS_PORT);
        Http2Client client = new Http2Client(new URL(herald, "/" + DRAINED + "/"));
        List<Http2EventStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < HTTP2_STREAMS; i++) {
                Http2EventStream stream = client.open("topic=drain", Map.of(), false);
                streams.add(stream);
                assertEquals("ready", stream.ready().type()); // each ready before the next: all on one connection
            }
            assertEquals(1, Http2Client.newConnectionsSince(before).size(), "connections the test made to the HTTPS port");

            deployer.undeploy(DRAINED);

            assertEachEndsCleanlyWithItsRetryLine(streams);
        } finally {
            streams.forEach(Http2EventStream::cancel);
        }
    }

    /** Counts, so that a failure says how many of the streams ended well. */
    private static void assertEachEndsCleanlyWithItsRetryLine(List<? extends EndingStream> streams) throws InterruptedException {
        int clean = 0;
        int withRetry = 0;
        for (EndingStream stream : streams) {
            if (stream.awaitCleanEnd(30)) {
                clean++;
            }
            if (stream.raw().matches("(?s).*\nretry: [0-9]+\n\n$")) {
                withRetry++;
            }
        }
        assertEquals(streams.size(), withRetry, "streams that ended with their last retry: line");
        assertEquals(streams.size(), clean, "streams whose response ended cleanly");
    }

    private static Path todaysLog() throws IOException {
        Path logs = Path.of(System.getProperty("it.catalina.home"), "logs");
        try (Stream<Path> files = Files.list(logs)) {
            return files.filter(f -> f.getFileName().toString().startsWith("catalina."))
                    .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified())).orElseThrow();
        }
    }

    /** What was appended after {@code offset}, once the log has been quiet for a moment. */
    private static String readFrom(Path log, long offset) throws Exception {
        long size = -1;
        for (int i = 0; i < 50 && size != Files.size(log); i++) {
            size = Files.size(log);
            Thread.sleep(200);
        }
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
    }
}
