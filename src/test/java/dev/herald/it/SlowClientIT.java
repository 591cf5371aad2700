package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading: its events wait in its bounded queue (herald.subscriber.queue-size, 1000 by
 * default) without holding up anyone else; once the queue is full the server ends its stream, and the client
 * catches up with Last-Event-ID.
 */
class SlowClientIT extends DeployedWar {

    /** Enough to fill the socket buffers (megabytes on loopback) and then the queue; bounds the test. */
    private static final int MAX_EVENTS = 6000;
    private static final String PAD = "x".repeat(4000);

    @Test
    void aClientThatStopsReadingIsDisconnectedAndCatchesUpWithoutLosingAnything() throws Exception {
        try (SseStream healthy = api.stream("topic=slow");
                SseStream stalled = api.stalledStream("topic=slow")) {
            healthy.ready();
            String stalledId = stalledClientId(clientId(healthy));

            List<String> published = new ArrayList<>();
            while (connected(stalledId) && published.size() < MAX_EVENTS) {
                for (int i = 0; i < 100; i++) {
                    published.add(api.publish("slow", "{\"n\":" + published.size() + ",\"pad\":\"" + PAD + "\"}"));
                }
            }
            assertFalse(connected(stalledId), "still connected after " + published.size() + " events");

            List<String> toHealthy = ids(healthy.until(e -> published.get(published.size() - 1).equals(e.id())));
            assertEquals(published, toHealthy, "the client that kept reading missed or repeated events");

            stalled.resume();
            List<String> beforeDrop = ids(stalled.untilEnd());
            assertTrue(beforeDrop.size() < published.size(), "the stalled client got everything: never dropped");
            try (SseStream back = api.stream("topic=slow",
                    Map.of("Last-Event-ID", beforeDrop.get(beforeDrop.size() - 1)))) {
                List<String> caughtUp = ids(back.until(e -> e.type().equals("ready")));
                Set<String> all = new LinkedHashSet<>(beforeDrop);
                all.addAll(caughtUp);
                assertEquals(beforeDrop.size() + caughtUp.size(), all.size(), "an event came twice");
                assertEquals(published, List.copyOf(all), "the catch-up left a gap");
            }
        }
    }

    private boolean connected(String clientId) throws Exception {
        return api.get("api/clients").body().contains("\"" + clientId + "\"");
    }

    /** The stalled client has read nothing, not even its welcome: find it among the clients on the topic. */
    private String stalledClientId(String healthyId) throws Exception {
        String body = api.get("api/clients").body();
        Matcher clients = Pattern
                .compile("\"clientId\":\"([^\"]+)\",\"topics\":\\[\"slow\"]").matcher(body);
        while (clients.find()) {
            if (!clients.group(1).equals(healthyId)) {
                return clients.group(1);
            }
        }
        throw new AssertionError("the stalled client is not listed: " + body);
    }

    private static String clientId(SseStream stream) {
        String raw = stream.raw();
        int start = raw.indexOf("\"clientId\":\"") + 12;
        return raw.substring(start, raw.indexOf('"', start));
    }

    /** The ids of published events, leaving out control events. */
    private static List<String> ids(List<SseEvent> events) {
        return events.stream().filter(e -> e.type().equals("message")).map(SseEvent::id).toList();
    }
}
