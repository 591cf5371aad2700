package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Undeploying Herald with streams open on one HTTP/2 connection (HTTPS, Tomcat's TLS connector) ends each as
 * over HTTP/1.1 ({@code UndeployTomcatIT}): its last {@code retry:} line, then the end of the response (a DATA
 * frame with END_STREAM, not a reset). Tomcat only: the Payara Micro adapter deploys one WAR per server and stops
 * the server with it, so a test cannot watch an undeploy there.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class Http2UndeployTomcatIT {

    private static final String DRAINED = "drained-h2";
    /** Fewer than Tomcat's maxConcurrentStreams (100), the streams one connection may carry. */
    private static final int STREAMS = 50;

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
    void undeployingEndsEveryStreamOnTheConnectionWithItsRetryLine() throws Exception {
        deployer.deploy(DRAINED);
        Set<String> before = Http2Client.connectionsTo(Http2Client.HTTPS_PORT);
        Http2Client client = new Http2Client(new URL(herald, "/" + DRAINED + "/"));
        List<Http2EventStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                Http2EventStream stream = client.open("topic=drain", Map.of(), false);
                streams.add(stream);
                assertEquals("ready", stream.ready().type()); // each ready before the next: all on one connection
            }
            assertEquals(1, Http2Client.newConnectionsSince(before).size(), "connections the test made to the HTTPS port");

            deployer.undeploy(DRAINED);

            int clean = 0;
            int withRetry = 0;
            for (Http2EventStream stream : streams) {
                if (stream.awaitCleanEnd(30)) {
                    clean++;
                }
                if (stream.raw().matches("(?s).*\nretry: [0-9]+\n\n$")) {
                    withRetry++;
                }
            }
            assertEquals(STREAMS, withRetry, "streams that ended with their last retry: line");
            assertEquals(STREAMS, clean, "streams whose response ended cleanly");
        } finally {
            streams.forEach(Http2EventStream::cancel);
        }
    }
}
