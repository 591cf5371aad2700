package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fair retention on the default history of 10,000 events: three events of a quiet topic outlast 100,000 of a busy
 * one, whose clients are reset once their events are gone.
 */
class RetentionIT extends DeployedWar {

    /** Three events of {@code quiet}, published before the busy ones. */
    record Quiet(String topic, String busy, List<String> ids) {
    }

    static Quiet publishQuiet(Api api, String name) throws Exception {
        String quiet = "quiet/" + name;
        return new Quiet(quiet, "busy/" + name, List.of(api.publish(quiet, "1"), api.publish(quiet, "2"),
                api.publish(quiet, "3")));
    }

    /**
     * A client of the quiet topic that missed its third event gets exactly that one; one that missed two, those two;
     * one of both topics that saw the third quiet event gets a reset, the busy events after it being gone.
     */
    static void assertQuietKeptBusyGaveWay(Api api, Quiet quiet) throws Exception {
        List<String> ids = quiet.ids();
        try (SseStream missedOne = api.stream("topic=" + quiet.topic(), Map.of("Last-Event-ID", ids.get(1)));
                SseStream missedTwo = api.stream("topic=" + quiet.topic(), Map.of("Last-Event-ID", ids.get(0)));
                SseStream both = api.stream("topic=" + quiet.topic() + "&topic=" + quiet.busy(),
                        Map.of("Last-Event-ID", ids.get(2)))) {
            assertEquals("welcome", missedOne.next().type());
            assertEquals(new SseEvent(ids.get(2), "message", "3", null), missedOne.next());
            assertEquals("{\"replayed\":1,\"retained\":0}", missedOne.next().data());

            assertEquals("welcome", missedTwo.next().type());
            assertEquals(new SseEvent(ids.get(1), "message", "2", null), missedTwo.next());
            assertEquals(new SseEvent(ids.get(2), "message", "3", null), missedTwo.next());
            assertEquals("{\"replayed\":2,\"retained\":0}", missedTwo.next().data());

            assertEquals("welcome", both.next().type());
            SseEvent reset = both.next();
            assertEquals("reset", reset.type());
            assertEquals("{\"lastEventId\":\"" + ids.get(2) + "\",\"reason\":\"too-old\"}", reset.data());
            assertEquals("{\"replayed\":0,\"retained\":0}", both.next().data());
        }
    }

    /** The value of the one sample whose line starts with {@code prefix} and, for evictions, counts space. */
    private static double sample(String scrape, String prefix) {
        return scrape.lines().filter(line -> line.startsWith(prefix))
                .filter(line -> !line.startsWith("herald_history_evictions") || line.contains("reason=\"space\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in the scrape"));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void threeQuietEventsOutlastAHundredThousandBusyOnes() throws Exception {
        Quiet quiet = publishQuiet(api, "retention");
        api.publishMany(quiet.busy(), 100_000, 8);

        assertQuietKeptBusyGaveWay(api, quiet);
        HttpResponse<String> metrics = api.get("api/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals(10_000, sample(metrics.body(), "herald_history_events{"), "events held");
        assertTrue(sample(metrics.body(), "herald_history_evictions_total{") >= 90_000, metrics.body());
    }
}
