package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StreamIT extends DeployedWar {

    /** {@code expiresAt} comes with a token that expires, as every token of these tests does. */
    private static final Pattern WELCOME = Pattern.compile(
            "\\{\"clientId\":\"([A-Za-z0-9_-]{10})\",\"topics\":\\[(.*)](,\"expiresAt\":[0-9]+)?}");
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9]{7}-[0-9]+");

    private static String clientId(SseEvent welcome) {
        Matcher matcher = WELCOME.matcher(welcome.data());
        assertTrue(matcher.matches(), welcome.data());
        return matcher.group(1);
    }

    @Test
    void streamHasItsHeadersAndStartsWithRetryWelcomeAndReady() throws Exception {
        try (SseStream stream = api.stream("topic=headers&topic=$presence")) {
            assertEquals(200, stream.status());
            assertEquals("text/event-stream;charset=utf-8",
                    stream.header("Content-Type").replace(" ", "").toLowerCase(java.util.Locale.ROOT));
            assertEquals("no-cache", stream.header("Cache-Control"));
            assertEquals("no", stream.header("X-Accel-Buffering"));

            SseEvent welcome = stream.next();
            assertEquals("welcome", welcome.event());
            assertEquals(3000, welcome.retry());
            assertNull(welcome.id());
            assertTrue(welcome.data().contains("\"topics\":[\"headers\",\"$presence\"],\"expiresAt\":"), welcome.data());
            SseEvent ready = stream.next();
            assertEquals("ready", ready.event());
            assertTrue(ID.matcher(ready.id()).matches(), ready.id());
            assertEquals("{\"replayed\":0,\"retained\":0}", ready.data());
            assertTrue(stream.raw().startsWith("retry: 3000\nevent: welcome\ndata: {\"clientId\":\""), stream.raw());
        }
    }

    @Test
    void anIdleStreamGetsHeartbeatComments() throws Exception {
        try (SseStream idle = api.stream("topic=quiet")) {
            idle.ready();

            // the test servers run with herald.heartbeat.seconds=1
            assertTrue(idle.awaitComment(10), "no heartbeat within 10 s");
            assertTrue(idle.raw().contains("\n: heartbeat\n"), idle.raw());
            idle.assertNothingMore();
        }
    }

    @Test
    void aPublishedEventReachesEveryClientOnceInOrder() throws Exception {
        List<SseStream> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 25; i++) {
                SseStream client = api.stream("topic=fanout");
                client.ready();
                clients.add(client);
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(api.publish("{\"topic\":\"fanout\",\"type\":\"like\",\"data\":{\"n\":" + i + "},\"retry\":4000}"));
            }

            for (SseStream client : clients) {
                for (int i = 0; i < ids.size(); i++) {
                    assertEquals(new SseEvent(ids.get(i), "like", "{\"n\":" + i + "}", 4000), client.next());
                }
                client.assertNothingMore();
            }
        } finally {
            for (SseStream client : clients) {
                client.close();
            }
        }
    }

    @Test
    void topicsChooseWhatArrivesAndTheEnvelopeNamesTheTopic() throws Exception {
        try (SseStream orders = api.stream("topic=orders");
                SseStream both = api.stream("topic=orders&topic=likes&envelope=true")) {
            orders.ready();
            both.ready();

            String order = api.publish("orders", "{\"order\":1}");
            String like = api.publish("likes", "{\"post\":2}");
            String all = api.publish(null, "\"to everyone\"");

            assertEquals(new SseEvent(order, "message", "{\"order\":1}", null), orders.next());
            assertEquals(new SseEvent(all, "message", "\"to everyone\"", null), orders.next());
            orders.assertNothingMore();
            assertEquals("{\"topic\":\"orders\",\"data\":{\"order\":1}}", both.next().data());
            SseEvent enveloped = both.next();
            assertEquals(like, enveloped.id());
            assertEquals("{\"topic\":\"likes\",\"data\":{\"post\":2}}", enveloped.data());
            assertEquals("{\"topic\":null,\"data\":\"to everyone\"}", both.next().data());
        }
    }

    @Test
    void presenceSubscribersSeeJoinsLeavesAndWhoIsAlreadyHere() throws Exception {
        try (SseStream watcher = api.stream("topic=$presence")) {
            String watcherId = clientId(watcher.next());
            watcher.ready();
            String visitorId;
            try (SseStream visitor = api.stream("topic=news")) {
                visitorId = clientId(visitor.next());
                SseEvent join = watcher.await(e -> e.type().equals("join") && e.data().contains(visitorId));
                assertNull(join.id());
                assertEquals("{\"clientId\":\"" + visitorId + "\",\"topics\":[\"news\"]}", join.data());

                try (SseStream second = api.stream("topic=$presence&envelope=true")) {
                    String secondId = clientId(second.next());
                    second.ready();
                    Set<String> seen = new HashSet<>();
                    second.until(event -> {
                        assertEquals("join", event.type());
                        assertTrue(event.data().startsWith("{\"topic\":\"$presence\",\"data\":{\"clientId\":"),
                                event.data());
                        assertFalse(event.data().contains(secondId), "no join for itself");
                        List.of(watcherId, visitorId).stream().filter(event.data()::contains).forEach(seen::add);
                        return seen.size() == 2;
                    });
                }
            }
            SseEvent leave = watcher.await(e -> e.type().equals("leave") && e.data().contains(visitorId));
            assertEquals("{\"clientId\":\"" + visitorId + "\",\"topics\":[\"news\"]}", leave.data());
            assertFalse(api.get("api/clients").body().contains(visitorId));
            assertTrue(api.get("api/clients").body().contains(watcherId));
        }
    }

    @Test
    void aClientThatReconnectsWithLastEventIdGetsExactlyWhatItMissedWhilePublishingContinues() throws Exception {
        String resumeFrom;
        try (SseStream first = api.stream("topic=catchup")) {
            first.ready();
            for (int i = 0; i < 10; i++) {
                api.publish("catchup", String.valueOf(i));
            }
            resumeFrom = first.await(e -> "4".equals(e.data())).id();
        }
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        try {
            Future<List<String>> published = publisher.submit(() -> {
                List<String> ids = new ArrayList<>();
                for (int i = 10; i < 110; i++) {
                    ids.add(api.publish(i % 3 == 0 ? "elsewhere" : "catchup", String.valueOf(i)));
                }
                return ids;
            });
            try (SseStream again = api.stream("topic=catchup", Map.of("Last-Event-ID", resumeFrom))) {
                List<String> ids = published.get(1, TimeUnit.MINUTES);
                List<SseEvent> received = again.until(e -> "109".equals(e.data()));

                List<String> expected = new ArrayList<>();
                for (int i = 5; i < 110; i++) {
                    if (i < 10 || i % 3 != 0) {
                        expected.add(String.valueOf(i));
                    }
                }
                List<String> data = received.stream()
                        .filter(e -> !List.of("welcome", "ready").contains(e.type())).map(SseEvent::data).toList();
                assertEquals(expected, data);
                assertEquals(ids.get(ids.size() - 1), received.get(received.size() - 1).id());
                SseEvent ready = received.stream().filter(e -> e.type().equals("ready")).findFirst().orElseThrow();
                assertTrue(ready.data().matches("\\{\"replayed\":[0-9]+,\"retained\":0}"), ready.data());
                again.assertNothingMore();
            }
        } finally {
            publisher.shutdownNow();
        }
    }

    @Test
    void theLastEventIdHeaderWinsOverTheQueryParameter() throws Exception {
        String first = api.publish("resume", "1");
        String second = api.publish("resume", "2");

        try (SseStream byQuery = api.stream("topic=resume&lastEventId=" + first);
                SseStream byHeader = api.stream("topic=resume&lastEventId=" + first, Map.of("Last-Event-ID", second))) {
            byQuery.next();
            assertEquals(new SseEvent(second, "message", "2", null), byQuery.next());
            assertEquals("{\"replayed\":1,\"retained\":0}", byQuery.next().data());
            byHeader.next();
            SseEvent ready = byHeader.next();
            assertEquals("ready", ready.type());
            assertEquals("{\"replayed\":0,\"retained\":0}", ready.data());
        }
    }

    @Test
    void anUnknownLastEventIdGetsAResetBeforeReady() throws Exception {
        String newest = api.publish("reset", "1");
        String run = newest.substring(0, newest.indexOf('-'));

        try (SseStream otherRun = api.stream("topic=reset", Map.of("Last-Event-ID", "zzzzzzzz-1"));
                SseStream future = api.stream("topic=reset", Map.of("Last-Event-ID", run + "-99999999"))) {
            assertEquals("welcome", otherRun.next().type());
            SseEvent reset = otherRun.next();
            assertEquals(new SseEvent(null, "reset", "{\"lastEventId\":\"zzzzzzzz-1\",\"reason\":\"other-run\"}", null), reset);
            SseEvent ready = otherRun.next();
            assertEquals("ready", ready.type());
            assertEquals("{\"replayed\":0,\"retained\":0}", ready.data());
            assertFalse(ready.sequence() < Long.parseLong(newest.substring(newest.indexOf('-') + 1)));

            future.next();
            assertEquals("{\"lastEventId\":\"" + run + "-99999999\",\"reason\":\"unknown-id\"}", future.next().data());
        }
    }

    @Test
    void aClosedClientIsRemovedFromTheClientList() throws Exception {
        try (SseStream watcher = api.stream("topic=$presence")) {
            watcher.ready();
            SseStream leaving = api.stream("topic=gone");
            String leavingId = clientId(leaving.next());
            HttpResponse<String> before = api.get("api/clients");
            assertEquals(200, before.statusCode());
            assertTrue(before.body().contains("{\"clientId\":\"" + leavingId + "\",\"topics\":[\"gone\"],\"connectedAt\":\""),
                    before.body());

            leaving.close();

            watcher.await(e -> e.type().equals("leave") && e.data().contains(leavingId));
            assertFalse(api.get("api/clients").body().contains(leavingId));
        }
    }

    @Test
    void clientsThatDropTheirConnectionDoNotDisturbTheNextOnes() throws Exception {
        // the container recycles a dropped client's request for the next one: nothing may write to it after that
        for (int round = 0; round < 3; round++) {
            List<SseStream> dropped = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                SseStream client = api.stream("topic=churn");
                client.ready();
                dropped.add(client);
            }
            for (SseStream client : dropped) {
                client.close();
            }
            api.publish("churn", "\"into the void\"");
            List<SseStream> next = new ArrayList<>();
            try {
                for (int i = 0; i < 15; i++) {
                    SseStream client = api.stream("topic=churn");
                    assertEquals(200, client.status());
                    assertEquals("welcome", client.next().type());
                    next.add(client);
                }
                String id = api.publish("churn", String.valueOf(round));
                for (SseStream client : next) {
                    assertEquals(new SseEvent(id, "message", String.valueOf(round), null),
                            client.await(e -> !e.type().equals("ready")));
                }
            } finally {
                for (SseStream client : next) {
                    client.close();
                }
            }
        }
    }

    @Test
    void aPublishRetriedWithTheSameIdempotencyKeyIsStoredAndDeliveredOnce() throws Exception {
        String key = "retry-" + System.nanoTime();
        String event = "{\"topic\":\"once\",\"data\":{\"n\":1}}";
        try (SseStream stream = api.stream("topic=once")) {
            stream.ready();

            HttpResponse<String> first = api.publishOnce(event, key);
            HttpResponse<String> retried = api.publishOnce(event, key);
            HttpResponse<String> different = api.publishOnce("{\"topic\":\"once\",\"data\":{\"n\":2}}", key);
            String marker = api.publish("once", "\"marker\"");

            assertEquals(202, first.statusCode(), first.body());
            assertTrue(first.headers().firstValue("Idempotent-Replayed").isEmpty());
            assertEquals(202, retried.statusCode(), retried.body());
            assertEquals(first.body(), retried.body());
            assertEquals("true", retried.headers().firstValue("Idempotent-Replayed").orElse(null));
            assertEquals(422, different.statusCode(), different.body());
            assertTrue(different.body().contains("\"error\":\"idempotency_key_reused\""), different.body());
            List<SseEvent> received = stream.until(e -> marker.equals(e.id()));
            assertEquals(List.of("{\"n\":1}", "\"marker\""), received.stream().map(SseEvent::data).toList());
        }
    }

    @Test
    void infoSaysTheTestServerIsNotOpen() throws Exception {
        HttpResponse<String> info = api.get("api/info");

        assertEquals(200, info.statusCode());
        assertEquals("{\"open\":false,\"backbone\":\"memory\"}", info.body());
    }

    @Test
    void healthIsLiveAndReady() throws Exception {
        HttpResponse<String> live = api.get("api/health/live");
        HttpResponse<String> ready = api.get("api/health/ready");

        assertEquals(200, live.statusCode());
        assertEquals("{\"status\":\"UP\"}", live.body());
        assertEquals(200, ready.statusCode());
        assertEquals("{\"status\":\"UP\",\"backbone\":{\"name\":\"memory\",\"status\":\"UP\"}}", ready.body());
        assertTrue(ready.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }

    @Test
    void thePageIsServed() throws Exception {
        HttpResponse<String> page = api.get("");

        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("EventSource"), "the page opens an EventSource");
    }
}
