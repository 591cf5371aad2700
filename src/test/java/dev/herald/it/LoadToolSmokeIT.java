package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.herald.bench.LoadOptions;
import dev.herald.bench.LoadReport;
import dev.herald.bench.LoadRun;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's load tool against the deployed WAR, small enough for every build, so that neither the tool nor
 * Herald's delivery path can rot unnoticed: exact delivery counts, no timing.
 */
class LoadToolSmokeIT extends DeployedWar {

    /**
     * The load comes from one address, which Herald limits to herald.limits.connections-per-address (500) streams.
     * Streams that earlier tests closed count until the server notices (at once on Tomcat, after a failed
     * heartbeat on Payara): wait for them to go, at most 30 s.
     */
    @BeforeEach
    void earlierStreamsAreGone() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            HttpResponse<String> clients = api.get("api/clients");
            long open = Long.parseLong(clients.headers().firstValue("X-Total-Count").orElseThrow());
            if (open <= 20) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, open + " streams of earlier tests still open after 30 s");
            Thread.sleep(200);
        }
    }

    @Test
    void everySubscriberGetsEveryEventExactlyOnce() throws Exception {
        LoadReport report = new LoadRun(LoadOptions.builder().deployment(deployment).token(Tokens.publisher()).label("smoke")
                .subscribers(300).events(20).publishers(4).progress(false).deadlineSeconds(90).build()).call();

        assertEquals(300, report.subscribers().connected(), report::toJson);
        assertEquals(20, report.publish().ok(), report::toJson);
        assertEquals(300L * 20, report.expected(), report::toJson);
        assertEveryEventExactlyOnce(report);
    }

    @Test
    void subscribersThatReconnectWithLastEventIdCatchUpExactly() throws Exception {
        LoadReport report = new LoadRun(LoadOptions.builder().deployment(deployment).token(Tokens.publisher()).label("smoke-reconnect")
                .subscribers(200).events(10).reconnectAfter(4).progress(false).deadlineSeconds(90).build()).call();

        assertEquals(200, report.reconnect().reconnected(), report::toJson);
        assertEquals(6, report.reconnect().publishedWhileDisconnected(), report::toJson);
        assertEquals(200L * 6, report.reconnect().replayed(), report::toJson);
        assertEveryEventExactlyOnce(report);
    }

    private static void assertEveryEventExactlyOnce(LoadReport report) {
        assertFalse(report.timedOut(), report::toJson);
        assertEquals(report.expected(), report.received(), report::toJson);
        assertEquals(0, report.lost(), report::toJson);
        assertEquals(0, report.duplicated(), report::toJson);
    }
}
