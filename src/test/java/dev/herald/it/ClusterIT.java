package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.ContainerController;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two Tomcat nodes running the very WAR that {@code mvn package} built, both with {@code herald.redis.uri} pointing
 * at one real redis-server: what a load balancer in front of them would let clients see. The test starts Redis
 * first, then the nodes (their containers are manual), and stops Redis and restarts the nodes in the middle.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterIT {

    private static final String NODE_A = "node-a";
    private static final String NODE_B = "node-b";
    private static final Pattern STREAM_ID = Pattern.compile("[0-9]+-[0-9]+");
    private static final Pattern CLIENT_ID = Pattern.compile("\\{\"clientId\":\"([A-Za-z0-9_-]{10})\".*");
    private static final RedisForTests REDIS = new RedisForTests();
    private static boolean running;

    @ArquillianResource
    private ContainerController containers;
    @ArquillianResource
    private Deployer deployer;

    private ExecutorService readers;
    private Api a;
    private Api b;

    @Deployment(name = NODE_A, managed = false, testable = false)
    @TargetsContainer(NODE_A)
    static WebArchive onNodeA() {
        return BuiltWar.load();
    }

    @Deployment(name = NODE_B, managed = false, testable = false)
    @TargetsContainer(NODE_B)
    static WebArchive onNodeB() {
        return BuiltWar.load();
    }

    @BeforeEach
    void startCluster() throws Exception {
        if (!running) {
            assertFalse(REDIS.portInUse(), "something already listens on the test Redis port");
            deleteRecursively(Path.of(System.getProperty("it.cluster.dir", "target/cluster"), "redis"));
            REDIS.start();
            startNodes();
            running = true;
        }
        readers = Executors.newCachedThreadPool();
        a = new Api(node("it.node-a.http.port"), readers);
        b = new Api(node("it.node-b.http.port"), readers);
    }

    @AfterEach
    void stopReaders() {
        readers.shutdownNow();
    }

    @Test
    @Order(1)
    void anEventPublishedOnOneNodeReachesBothWithTheSameStreamId() throws Exception {
        try (SseStream onA = a.stream("topic=cluster"); SseStream onB = b.stream("topic=cluster")) {
            onA.ready();
            onB.ready();

            String fromA = a.publish("cluster", "{\"from\":\"a\"}");
            String fromB = b.publish("cluster", "{\"from\":\"b\"}");

            assertTrue(STREAM_ID.matcher(fromA).matches(), fromA);
            for (SseStream stream : List.of(onA, onB)) {
                SseEvent first = stream.next();
                SseEvent second = stream.next();
                assertEquals(List.of(fromA, fromB), List.of(first.id(), second.id()));
                assertEquals(List.of("{\"from\":\"a\"}", "{\"from\":\"b\"}"), List.of(first.data(), second.data()));
            }
        }
    }

    @Test
    @Order(2)
    void aClientThatMovesToTheOtherNodeGetsExactlyWhatItMissed() throws Exception {
        String resumeFrom;
        try (SseStream onA = a.stream("topic=moves")) {
            onA.ready();
            for (int i = 0; i < 5; i++) {
                a.publish("moves", String.valueOf(i));
            }
            resumeFrom = onA.await(e -> "2".equals(e.data())).id();
        }
        // published on both nodes while the client is away, some of them not for it
        for (int i = 5; i < 40; i++) {
            (i % 2 == 0 ? a : b).publish(i % 5 == 0 ? "elsewhere" : "moves", String.valueOf(i));
        }
        try (SseStream onB = b.stream("topic=moves", Map.of("Last-Event-ID", resumeFrom))) {
            String last = a.publish("moves", "40");
            List<SseEvent> received = onB.until(e -> last.equals(e.id()));

            List<String> expected = new ArrayList<>();
            for (int i = 3; i <= 40; i++) {
                if (i < 5 || i % 5 != 0 || i == 40) {
                    expected.add(String.valueOf(i));
                }
            }
            assertEquals(expected, received.stream().filter(e -> !List.of("welcome", "ready").contains(e.type()))
                    .map(SseEvent::data).toList());
            onB.assertNothingMore();
        }
    }

    @Test
    @Order(3)
    void joinsLeavesAndTheClientListSpanBothNodes() throws Exception {
        try (SseStream watcher = a.stream("topic=$presence")) {
            watcher.ready();
            String clientOnB;
            try (SseStream onB = b.stream("topic=lobby")) {
                clientOnB = clientId(onB.next());
                SseEvent join = watcher.await(e -> "join".equals(e.type()) && e.data().contains(clientOnB));
                assertEquals("{\"clientId\":\"" + clientOnB + "\",\"topics\":[\"lobby\"]}", join.data());

                // each node writes its clients to Redis once a second
                awaitTrue(() -> get(a, "api/clients").body().contains("\"clientId\":\"" + clientOnB + "\""),
                        "B's client not listed on A");
                HttpResponse<String> clients = a.get("api/clients");
                assertTrue(Integer.parseInt(clients.headers().firstValue("X-Total-Count").orElse("0")) >= 2,
                        clients.headers().map().toString());
            }
            // B finds the closed socket by a failed heartbeat (1 s here), ends the stream after the container's
            // grace (5 s), and A hears of it through Redis: more than one SseStream wait on a busy machine
            SseEvent leave = watcher.awaitWithin(30, e -> "leave".equals(e.type()) && e.data().contains(clientOnB));
            assertEquals("{\"clientId\":\"" + clientOnB + "\",\"topics\":[\"lobby\"]}", leave.data());
            awaitTrue(() -> !get(a, "api/clients").body().contains(clientOnB), "B's client still listed on A");
        }
    }

    @Test
    @Order(4)
    void anAdminOnOneNodeEndsAStreamOnTheOther() throws Exception {
        String admin = Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops",
                java.time.Instant.now().plusSeconds(600), null);
        try (SseStream onB = b.stream("topic=kick")) {
            String clientId = clientId(onB.next());
            onB.ready();
            // A learns of B's clients through Redis, once a second
            awaitTrue(() -> get(a, "api/clients").body().contains(clientId), "B's client not listed on A");

            java.net.http.HttpResponse<String> kicked = ApiDescription.checked(java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(new URL(node("it.node-a.http.port"), "api/clients/" + clientId)
                            .toURI()).header("Authorization", "Bearer " + admin).DELETE().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()));

            assertEquals(202, kicked.statusCode(), kicked.body());
            onB.awaitEnd();
        }
    }

    @Test
    @Order(4)
    void oneDeleteOfASubjectOnNodeAEndsItsStreamsOnBothNodesAndItsBlockHoldsOnNodeB() throws Exception {
        String admin = Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops",
                java.time.Instant.now().plusSeconds(600), null);
        Map<String, String> alice = Map.of("Authorization", "Bearer " + Tokens.signed(Tokens.SECRET, List.of(),
                List.of(), "cluster-alice", java.time.Instant.now().plusSeconds(600), null));
        try (SseStream watcher = a.stream("topic=$presence");
                SseStream onA = a.stream("topic=subjects", alice);
                SseStream onB = b.stream("topic=subjects", alice)) {
            watcher.ready();
            onA.ready();
            String clientOnB = clientId(onB.next());
            String seen = "{\"clientId\":\"" + clientOnB + "\",\"topics\":[\"subjects\"],\"sub\":\"cluster-alice\"}";
            assertEquals(seen, watcher.await(e -> "join".equals(e.type()) && e.data().contains(clientOnB)).data());
            awaitTrue(() -> get(a, "api/clients").body().contains("\"sub\":\"cluster-alice\"}"),
                    "B's client not listed on A with its subject");

            HttpResponse<String> ended = a.delete("api/clients?sub=cluster-alice&for=60", admin);

            // A counts its own: B ends its streams as the command reaches it
            assertEquals("{\"ended\":1}", ended.body());
            onA.awaitEnd();
            onB.awaitEnd();
            assertEquals(seen, watcher.await(e -> "leave".equals(e.type()) && e.data().contains(clientOnB)).data());
        }
        Map<String, String> asStream = new java.util.HashMap<>(alice);
        asStream.put("Accept", "text/event-stream");
        HttpResponse<String> refused = b.get("api/events?topic=subjects", asStream);
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().startsWith("{\"error\":\"subject_blocked\""), refused.body());
        try (SseStream other = b.stream("topic=subjects")) {
            other.ready();
        }
    }

    @Test
    @Order(5)
    void aPublishRetriedOnTheOtherNodeWithItsIdempotencyKeyIsStoredOnce() throws Exception {
        String event = "{\"topic\":\"once\",\"data\":{\"order\":7}}";
        try (SseStream onA = a.stream("topic=once")) {
            onA.ready();

            HttpResponse<String> first = a.publishOnce(event, "order-7-shipped");
            HttpResponse<String> retried = b.publishOnce(event, "order-7-shipped");
            String marker = b.publish("once", "\"marker\"");

            assertEquals(202, first.statusCode(), first.body());
            assertEquals(202, retried.statusCode(), retried.body());
            assertEquals(first.body(), retried.body());
            assertEquals("true", retried.headers().firstValue("Idempotent-Replayed").orElse(null));
            assertEquals(List.of("{\"order\":7}", "\"marker\""),
                    onA.until(e -> marker.equals(e.id())).stream().map(SseEvent::data).toList());
        }
    }

    @Test
    @Order(6)
    void duringARedisOutagePublishesFailAndEverythingAcceptedReachesEverySubscriberOnce() throws Exception {
        try (SseStream onA = a.stream("topic=outage"); SseStream onB = b.stream("topic=outage")) {
            onA.ready();
            onB.ready();
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                accepted.add(a.publish("outage", "\"before-" + i + "\""));
            }

            REDIS.stop();
            try {
                for (Api node : List.of(a, b)) {
                    HttpResponse<String> refused = node.post("api/events", "application/json",
                            "{\"topic\":\"outage\",\"data\":\"during\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    assertEquals(503, refused.statusCode(), refused.body());
                    assertTrue(refused.body().contains("\"error\":\"backbone_unavailable\""), refused.body());
                }
                awaitTrue(() -> get(a, "api/health/ready").statusCode() == 503, "A still ready without Redis");
                assertTrue(get(b, "api/health/ready").body().contains("\"backbone\":{\"name\":\"redis\",\"status\":\"DOWN\"}"),
                        get(b, "api/health/ready").body());
                // the client list degrades to this node's, and says so, rather than quietly shrinking
                HttpResponse<String> clients = get(a, "api/clients");
                assertEquals(200, clients.statusCode(), clients.body());
                assertEquals("true", clients.headers().firstValue("Herald-Partial").orElse(null),
                        clients.headers().map().toString());
                assertTrue(clients.headers().firstValue("X-Total-Count").isEmpty(), clients.headers().map().toString());
                assertTrue(clients.body().contains("\"topics\":[\"outage\"]"), clients.body());
                // the streams stay open: quiet for a heartbeat interval, they get heartbeats
                int heartbeats = count(onB.raw(), "\n: heartbeat\n");
                awaitTrue(() -> count(onB.raw(), "\n: heartbeat\n") > heartbeats, "no heartbeat during the outage");
            } finally {
                REDIS.start();
            }

            String firstAfter = publishWhenBack(a, "\"after-0\"");
            accepted.add(firstAfter);
            for (int i = 1; i < 5; i++) {
                accepted.add((i % 2 == 0 ? a : b).publish("outage", "\"after-" + i + "\""));
            }
            String last = accepted.get(accepted.size() - 1);
            for (SseStream stream : List.of(onA, onB)) {
                List<String> ids = stream.until(e -> last.equals(e.id())).stream().map(SseEvent::id).toList();
                assertEquals(accepted, ids);
                stream.assertNothingMore();
            }
            awaitTrue(() -> get(a, "api/health/ready").statusCode() == 200, "A not ready after Redis came back");
        }
    }

    @Test
    @Order(7)
    void aRedeployUnderLoadLosesNothingAClientCanCatchUpOn() throws Exception {
        List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        List<String> received = new ArrayList<>();
        try (SseStream before = b.stream("topic=redeploy")) {
            before.ready();
            publisher.submit(() -> {
                // bounded: at most 2,000 events, one every 10 ms, until told to stop
                for (int i = 0; i < 2000 && publishing.get(); i++) {
                    accepted.add(a.publish("redeploy", String.valueOf(i)));
                    Thread.sleep(10);
                }
                return null;
            });
            awaitTrue(() -> accepted.size() >= 20, "publishing did not start");

            deployer.undeploy(NODE_B);
            deployer.deploy(NODE_B);

            for (SseEvent event : before.untilEnd()) {
                if (event.id() != null && event.data() != null && !event.type().equals("ready")) {
                    received.add(event.id());
                }
            }
        }
        awaitTrue(() -> accepted.size() >= 20 + received.size(), "publishing stopped");
        publishing.set(false);
        publisher.shutdown();
        assertTrue(publisher.awaitTermination(30, TimeUnit.SECONDS));
        String last = accepted.get(accepted.size() - 1);
        try (SseStream after = b.stream("topic=redeploy", Map.of("Last-Event-ID", received.get(received.size() - 1)))) {
            for (SseEvent event : after.until(e -> last.equals(e.id()))) {
                if (event.id() != null && !event.type().equals("ready")) {
                    received.add(event.id());
                }
            }
        }
        assertEquals(accepted, received);
    }

    @Test
    @Order(8)
    void afterBothNodesRestartAClientStillCatchesUp() throws Exception {
        String resumeFrom;
        try (SseStream onA = a.stream("topic=restart")) {
            onA.ready();
            resumeFrom = a.publish("restart", "\"seen\"");
            onA.await(e -> resumeFrom.equals(e.id()));
        }
        List<String> missed = new ArrayList<>();
        missed.add(b.publish("restart", "\"missed-0\""));
        missed.add(a.publish("restart", "\"missed-1\""));

        stopNodes();
        startNodes();

        missed.add(a.publish("restart", "\"missed-2\""));
        try (SseStream onB = b.stream("topic=restart", Map.of("Last-Event-ID", resumeFrom))) {
            List<SseEvent> opening = onB.until(e -> e.type().equals("ready"));
            assertEquals(missed, opening.stream().filter(e -> e.id() != null && !e.type().equals("ready"))
                    .map(SseEvent::id).toList());
            assertEquals("{\"replayed\":3,\"retained\":0}", opening.get(opening.size() - 1).data());
            String live = a.publish("restart", "\"live\"");
            assertEquals(live, onB.next().id());
            onB.assertNothingMore();
        }
    }

    /**
     * Fair retention on Redis: three events of a quiet topic outlast 100,000 of a busy one published through both
     * nodes; both nodes decide every catch-up alike, and still do after both restart, from what Redis holds.
     */
    @Test
    @Order(10)
    void threeQuietEventsOutlastAHundredThousandBusyOnesOnBothNodesAndAfterARestart() throws Exception {
        RetentionIT.Quiet quiet = RetentionIT.publishQuiet(a, "cluster");
        java.util.concurrent.Future<?> onA = readers.submit(() -> {
            a.publishMany(quiet.busy(), 50_000, 4);
            return null;
        });
        b.publishMany(quiet.busy(), 50_000, 4);
        onA.get(2, TimeUnit.MINUTES);

        RetentionIT.assertQuietKeptBusyGaveWay(a, quiet);
        RetentionIT.assertQuietKeptBusyGaveWay(b, quiet);
        stopNodes();
        startNodes();
        RetentionIT.assertQuietKeptBusyGaveWay(a, quiet);
        RetentionIT.assertQuietKeptBusyGaveWay(b, quiet);
    }

    /** A batch published through one node: the other delivers it whole and in order, also with batches from both. */
    @Test
    @Order(11)
    void aBatchReachesTheOtherNodeInOrderWithNothingAmongItsEvents() throws Exception {
        BatchPublishIT.assertABatchIsDeliveredInOrderUnderConsecutiveIds(a, b, "cluster-batch");
        BatchPublishIT.assertBatchesPublishedAtOnceAreNeverInterleaved(List.of(a, b), b, "cluster-batch-at-once");
    }

    @Test
    @Order(12)
    void aBatchWithOneBadEventAndHostileBatchesPublishNothingOnEitherNode() throws Exception {
        BatchPublishIT.assertOneBadEventRefusesTheWholeBatch(a, b, "cluster-batch-all-or-nothing");
        BatchPublishIT.assertHostileBatchesPublishNothing(b, a, "cluster-batch-hostile", 20261129);
    }

    @Test
    @Order(13)
    void aBatchRetriedOnTheOtherNodeWithItsIdempotencyKeyIsStoredOnce() throws Exception {
        BatchPublishIT.assertOneIdempotencyKeyCoversTheBatch(a, b, "cluster-batch-idempotency");
    }

    /** Each node's own limit, at its defaults: 1000 events a second, batches of up to 100. */
    @Test
    @Order(14)
    void aBatchSpendsANodesPublishRateByItsEvents() throws Exception {
        BatchPublishIT.assertTheRateCountsEvents(a, 1000, 1000, 100, 30);
    }

    /**
     * Wildcards on Redis: routing is each node's own, so a stream on node A gets what is published through node B
     * once however many of its entries match, private topics only with their grant, never {@code $presence}; and
     * its catch-up and reset are decided from the history every node mirrors.
     */
    @Test
    @Order(11)
    void wildcardsDeliverOnceFilteredAndNeverPresenceAcrossNodes() throws Exception {
        WildcardIT.assertOneDeliveryWhenSeveralEntriesMatch(a, b, "cluster");
        WildcardIT.assertPrivateTopicsNeedTheirGrantUnderAWildcard(a, b, "cluster");
        WildcardIT.assertPresenceIsNeverMatched(a, b, "cluster");
    }

    @Test
    @Order(12)
    void aWildcardCatchesUpAndIsResetOnTheOtherNode() throws Exception {
        WildcardIT.assertAWildcardCatchesUp(b, a, "cluster");
        WildcardIT.assertAWildcardIsResetWhenACoveredTopicLostAnEvent(b, a, "cluster");
    }

    /**
     * Retained events on Redis are shared: one retained through node A opens a stream on node B (once B has read it:
     * before, it would reach the stream live), also after a reset, not again after an exact catch-up; a clear through
     * B reaches A; each node answers {@code GET /api/retained} alike.
     */
    @Test
    @Order(15)
    void aRetainedEventIsSharedByBothNodesAndAClearToo() throws Exception {
        String retained = RetainedIT.retain(a, "cluster-retained", "1");
        String expected = "[" + RetainedIT.json(retained, "cluster-retained", "1") + "]";
        awaitRetained(b, "cluster-retained", expected);
        assertEquals(expected, get(a, "api/retained?topic=cluster-retained").body());

        try (SseStream fresh = b.stream("topic=cluster-retained");
                SseStream reset = b.stream("topic=cluster-retained", Map.of("Last-Event-ID", "zzzzzzzz-1"));
                SseStream exact = b.stream("topic=cluster-retained", Map.of("Last-Event-ID", retained))) {
            List<SseEvent> opening = fresh.until(e -> e.type().equals("ready"));
            assertEquals(List.of("welcome", "message", "ready"), opening.stream().map(SseEvent::type).toList());
            assertEquals(new SseEvent(retained, "message", "1", null), opening.get(1));
            assertEquals("{\"replayed\":0,\"retained\":1}", opening.get(2).data());

            List<SseEvent> afterReset = reset.until(e -> e.type().equals("ready"));
            assertEquals(List.of("welcome", "reset", "message", "ready"),
                    afterReset.stream().map(SseEvent::type).toList());
            assertEquals(retained, afterReset.get(2).id());
            assertEquals("{\"replayed\":0,\"retained\":1}", afterReset.get(3).data());

            List<SseEvent> caughtUp = exact.until(e -> e.type().equals("ready"));
            assertEquals(List.of("welcome", "ready"), caughtUp.stream().map(SseEvent::type).toList());
            assertEquals("{\"replayed\":0,\"retained\":0}", caughtUp.get(1).data());
        }

        HttpResponse<String> cleared = b.delete("api/retained?topic=cluster-retained", Tokens.publisher());
        assertEquals(204, cleared.statusCode(), cleared.body());
        HttpResponse<String> again = a.delete("api/retained?topic=cluster-retained", Tokens.publisher());
        assertEquals(404, again.statusCode(), again.body());
        awaitRetained(a, "cluster-retained", "[]");
        try (SseStream onA = a.stream("topic=cluster-retained")) {
            assertEquals("{\"replayed\":0,\"retained\":0}", onA.ready().data());
        }
        awaitRetained(b, "cluster-retained", "[]");
    }

    /** Retained events live in Redis: after both nodes restart, each still opens streams with them. */
    @Test
    @Order(16)
    void retainedEventsAreStillThereAfterBothNodesRestart() throws Exception {
        String kept = RetainedIT.retain(b, "cluster-retained-restart/kept", "1");
        RetainedIT.retain(a, "cluster-retained-restart/cleared", "2");
        String expected = "[" + RetainedIT.json(kept, "cluster-retained-restart/kept", "1") + "]";
        assertEquals(204, a.delete("api/retained?topic=cluster-retained-restart/cleared", Tokens.publisher())
                .statusCode());
        awaitRetained(a, "cluster-retained-restart/*", expected);

        stopNodes();
        startNodes();

        for (Api node : List.of(a, b)) {
            assertEquals(expected, get(node, "api/retained?topic=cluster-retained-restart/*").body());
            try (SseStream stream = node.stream("topic=cluster-retained-restart/*")) {
                List<SseEvent> opening = stream.until(e -> e.type().equals("ready"));
                assertEquals(List.of("welcome", "message", "ready"), opening.stream().map(SseEvent::type).toList());
                assertEquals(new SseEvent(kept, "message", "1", null), opening.get(1));
                assertEquals("{\"replayed\":0,\"retained\":1}", opening.get(2).data());
            }
        }
    }

    /** Waits until {@code node} has read what was retained or cleared through the other (it applies it on reading). */
    /**
     * The per-stream bound on the cluster: 1,001 retained topics published through node A (in batches), and a
     * wildcard stream on node B gets the newest {@code herald.limits.retained-per-stream} (1,000), oldest id first,
     * with {@code retainedTruncated}.
     */
    @Test
    @Order(17)
    void aStreamGetsAtMostTheBoundOfRetainedEventsOnEitherNode() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int from = 0; from < 1001; from += 100) {
            StringBuilder batch = new StringBuilder("[");
            for (int n = from; n < Math.min(1001, from + 100); n++) {
                batch.append(n == from ? "" : ",").append("{\"topic\":\"cluster-bound/").append(n)
                        .append("\",\"data\":").append(n).append(",\"retain\":true}");
            }
            ids.addAll(acceptedIds(a, batch.append(']').toString()));
        }
        String last = ids.get(ids.size() - 1);
        // a stream resuming from the newest id opens only once node B holds it
        try (SseStream probe = b.stream("topic=cluster-bound/1000", Map.of("Last-Event-ID", last))) {
            probe.ready();
        }

        try (SseStream stream = b.stream("topic=cluster-bound/*")) {
            List<SseEvent> opening = stream.until(e -> e.type().equals("ready"));

            assertEquals(1002, opening.size());
            assertEquals(ids.subList(1, 1001), opening.subList(1, 1001).stream().map(SseEvent::id).toList());
            assertEquals("{\"replayed\":0,\"retained\":1000,\"retainedTruncated\":true}", opening.get(1001).data());
        }
    }

    /** Publishes a batch, again after the publish rate's {@code 429} if it comes; the ids of the accepted batch. */
    private static List<String> acceptedIds(Api node, String json) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        awaitTrue(() -> {
            try {
                HttpResponse<String> response = node.post("api/events", "application/json",
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (response.statusCode() == 429) {
                    return false;
                }
                assertEquals(202, response.statusCode(), response.body());
                Matcher each = Pattern.compile("\"([^\",\\[\\]]+)\"").matcher(
                        response.body().substring(response.body().indexOf('[')));
                while (each.find()) {
                    ids.add(each.group(1));
                }
                return true;
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }, "a batch was refused by the publish rate for 30 s");
        return ids;
    }

    private static void awaitRetained(Api node, String topic, String expected) throws InterruptedException {
        awaitTrue(() -> get(node, "api/retained?topic=" + topic).body().equals(expected),
                "the node's retained events of " + topic + " are not " + expected);
    }

    /**
     * Behind nginx, a node killed with SIGKILL while events are published steadily: its subscribers' streams are
     * cut, they reconnect through the balancer to the survivor with their Last-Event-ID and catch up; a publish
     * the dead node took but did not answer is retried with its Idempotency-Key. Every subscriber gets every
     * accepted event exactly once, in order. Node B is started again afterwards: its WAR is still in its
     * {@code webapps}, so the new process deploys it, and Arquillian can undeploy it after the class as usual.
     */
    @Test
    @Order(9)
    void behindALoadBalancerANodeKilledMidStreamCostsNoEvent() throws Exception {
        Assumptions.assumeTrue(NginxForTests.isInstalled(), "nginx is not installed (Debian's package nginx; "
                + ".ci/run installs it): the load balancer test is skipped");
        NginxForTests nginx = new NginxForTests();
        nginx.start(List.of(Integer.getInteger("it.node-a.http.port"), Integer.getInteger("it.node-b.http.port")));
        try {
            Api balanced = new Api(new URL("http://127.0.0.1:" + nginx.port() + "/herald/"), readers);
            int events = 150;
            List<FailoverReader> subscribers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                FailoverReader reader = new FailoverReader(balanced, String.valueOf(events - 1));
                subscribers.add(reader);
                readers.execute(reader);
            }
            for (FailoverReader reader : subscribers) {
                assertTrue(reader.opened.await(30, TimeUnit.SECONDS), () -> "a subscriber did not connect through nginx: "
                        + reader.failure);
            }
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                if (i == 50) {
                    killNodeB();
                }
                accepted.add(publishUntilAccepted(balanced, i));
                Thread.sleep(20);
            }
            int reconnected = 0;
            for (FailoverReader reader : subscribers) {
                assertTrue(reader.done.await(60, TimeUnit.SECONDS), "a subscriber did not get the last event");
                assertEquals(null, reader.failure, "a subscriber failed");
                assertEquals(accepted, reader.received, "what one subscriber received");
                reconnected += reader.connections.get() > 1 ? 1 : 0;
            }
            // about half the streams were on the killed node
            assertTrue(reconnected >= 5, reconnected + " subscribers reconnected");
        } finally {
            nginx.stop();
            if (!nodeBAnswers()) {
                containers.stop(NODE_B);
                containers.start(NODE_B);
                awaitTrue(ClusterIT::nodeBAnswers, "node B did not come back");
            }
        }
    }

    private static boolean nodeBAnswers() {
        try {
            return ApiDescription.checked(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    new URL(node("it.node-b.http.port"), "api/health/ready").toURI()).build(),
                    HttpResponse.BodyHandlers.discarding())).statusCode() == 200;
        } catch (IOException | java.net.URISyntaxException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends SIGKILL to node B's JVM: no shutdown, no last retry:, its sockets reset by the kernel. */
    private static void killNodeB() throws InterruptedException {
        String base = "-Dcatalina.base=" + Path.of(System.getProperty("it.cluster.dir", "target/cluster"), "node-b");
        List<ProcessHandle> nodeB = ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(base)).orElse(false))
                .toList();
        assertEquals(1, nodeB.size(), "node B's process among " + ProcessHandle.current().descendants().count());
        nodeB.get(0).destroyForcibly();
        nodeB.get(0).onExit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Publishes event {@code i} with its own Idempotency-Key until a node answers 202; at most 30 s. */
    private static String publishUntilAccepted(Api node, int i) throws InterruptedException {
        byte[] body = ("{\"topic\":\"failover\",\"data\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = node.post("api/events", "application/json", body,
                        Map.of("Idempotency-Key", "failover-" + i));
                if (response.statusCode() == 202) {
                    Matcher id = Pattern.compile("\\{\"id\":\"([0-9]+-[0-9]+)\"}").matcher(response.body());
                    assertTrue(id.matches(), response.body());
                    return id.group(1);
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("event " + i + " was never accepted: " + last);
    }

    /**
     * One browser behind the balancer: reads the stream, and whenever it ends reconnects with the id of the last
     * event it saw, until it has the event whose data is {@code lastData}. Records every published event's id.
     */
    private static final class FailoverReader implements Runnable {

        private final Api balanced;
        private final String lastData;
        final List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        volatile Throwable failure;

        FailoverReader(Api balanced, String lastData) {
            this.balanced = balanced;
            this.lastData = lastData;
        }

        @Override
        public void run() {
            String lastEventId = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try {
                while (System.nanoTime() < deadline) {
                    Map<String, String> headers = lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId);
                    SseStream stream;
                    try {
                        stream = balanced.stream("topic=failover", headers);
                    } catch (IOException e) {
                        Thread.sleep(100);
                        continue;
                    }
                    try (stream) {
                        if (stream.status() != 200) {
                            Thread.sleep(100);
                            continue;
                        }
                        connections.incrementAndGet();
                        for (var next = stream.nextOrEnd(30); next.isPresent(); next = stream.nextOrEnd(30)) {
                            SseEvent event = next.get();
                            if (event.type().equals("ready")) {
                                opened.countDown();
                            } else if (event.type().equals("message")) {
                                received.add(event.id());
                                if (lastData.equals(event.data())) {
                                    done.countDown();
                                    return;
                                }
                            }
                            if (event.id() != null) {
                                lastEventId = event.id();
                            }
                        }
                    }
                }
                throw new AssertionError("no last event within 120 s");
            } catch (Throwable e) {
                failure = e;
                done.countDown();
            }
        }
    }

    /**
     * Whichever tests ran, even one alone, Redis stops; Arquillian stops the two nodes right after, as it stops
     * every manual container after its class ({@code StopManualContainers} on {@code AfterClass}).
     */
    @AfterAll
    static void stopRedis() {
        if (running) {
            running = false;
            REDIS.stop();
            assertFalse(REDIS.portInUse());
        }
    }

    private void startNodes() {
        containers.start(NODE_A);
        deployer.deploy(NODE_A);
        containers.start(NODE_B);
        deployer.deploy(NODE_B);
    }

    private void stopNodes() {
        for (String node : List.of(NODE_A, NODE_B)) {
            deployer.undeploy(node);
            containers.stop(node);
        }
    }

    /** Publishes as soon as the node can reach Redis again; gives up after 30 s. */
    private static String publishWhenBack(Api node, String data) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        byte[] body = ("{\"topic\":\"outage\",\"data\":" + data + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        while (true) {
            HttpResponse<String> response = node.post("api/events", "application/json", body);
            if (response.statusCode() == 202) {
                Matcher id = Pattern.compile("\\{\"id\":\"([0-9]+-[0-9]+)\"}").matcher(response.body());
                assertTrue(id.matches(), response.body());
                return id.group(1);
            }
            assertEquals(503, response.statusCode(), response.body());
            assertTrue(System.nanoTime() < deadline, "Redis did not come back within 30 s: " + response.body());
            Thread.sleep(200);
        }
    }

    private static URL node(String portProperty) throws IOException {
        return new URL("http://127.0.0.1:" + Integer.getInteger(portProperty) + "/herald/");
    }

    private static String clientId(SseEvent welcome) {
        Matcher matcher = CLIENT_ID.matcher(welcome.data());
        assertTrue(matcher.matches(), welcome.data());
        return matcher.group(1);
    }

    private static HttpResponse<String> get(Api node, String path) {
        try {
            return node.get(path);
        } catch (IOException e) {
            throw new AssertionError(path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static void awaitTrue(BooleanSupplier condition, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, failure + " (30 s)");
            Thread.sleep(100);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
