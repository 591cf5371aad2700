package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Wildcard subscriptions ({@code topic=orders/*}, {@code topic=*}) on a real server: each event once per stream,
 * private topics filtered by the subscriber's token, never {@code $presence}, catch-up and reset as for names,
 * and every other {@code *} refused. The checks are static so that {@code ClusterIT} runs them across two nodes:
 * streams on {@code on}, publishes on {@code via}.
 */
class WildcardIT extends DeployedWar {

    private static final Instant LATER = Instant.now().plus(Duration.ofHours(1));

    private static String token(String subject, String... subscribe) {
        return Tokens.signed(Tokens.SECRET, List.of(), List.of(subscribe), subject, LATER, null);
    }

    private static SseStream open(Api api, String query, String token) throws Exception {
        return api.stream(query, token == null ? Map.of(Api.NO_TOKEN, "") : Map.of("Authorization", "Bearer " + token));
    }

    private static List<String> ids(List<SseEvent> events) {
        return events.stream().map(SseEvent::id).toList();
    }

    /** {@code orders/*}, {@code orders/a} and {@code *} on one stream: each event of orders/a arrives once. */
    static void assertOneDeliveryWhenSeveralEntriesMatch(Api on, Api via, String name) throws Exception {
        String prefix = "wild-once-" + name;
        try (SseStream stream = on.stream("topic=" + prefix + "/*&topic=" + prefix + "/a&topic=*")) {
            stream.ready();
            String named = via.publish(prefix + "/a", "1");
            String deeper = via.publish(prefix + "/a/b", "2");
            String elsewhere = via.publish(prefix + "-elsewhere", "3");

            assertEquals(List.of(named, deeper, elsewhere), ids(stream.until(e -> elsewhere.equals(e.id()))));
            stream.assertNothingMore();
        }
    }

    /**
     * Anonymous {@code *} gets the public topics only; {@code user/*} with alice's token gets her own topic only; a
     * token granting {@code user/*} gets every user's topic through {@code *}.
     */
    static void assertPrivateTopicsNeedTheirGrantUnderAWildcard(Api on, Api via, String name) throws Exception {
        String alice = "alice-" + name;
        try (SseStream anonymous = open(on, "topic=*", null);
                SseStream own = open(on, "topic=user/*", token(alice));
                SseStream support = open(on, "topic=*", token("support", "user/*"))) {
            assertEquals(200, anonymous.status());
            anonymous.ready();
            own.ready();
            support.ready();
            String first = via.publish("user/" + alice, "1");
            String toBob = via.publish("user/bob-" + name, "2");
            String second = via.publish("user/" + alice, "3");
            String news = via.publish("wild-news-" + name, "4");

            assertEquals(List.of(news), ids(anonymous.until(e -> news.equals(e.id()))));
            assertEquals(List.of(first, second), ids(own.until(e -> second.equals(e.id()))));
            assertEquals(List.of(first, toBob, second, news), ids(support.until(e -> news.equals(e.id()))));
            own.assertNothingMore();
        }
    }

    /** A token that grants everything, {@code $presence} included, still gets no join through {@code *}. */
    static void assertPresenceIsNeverMatched(Api on, Api via, String name) throws Exception {
        try (SseStream everything = on.stream("topic=*")) {
            everything.ready();
            try (SseStream visitor = via.stream("topic=wild-visit-" + name)) {
                visitor.ready();
                String marker = via.publish("wild-visit-" + name, "1");

                assertEquals(new SseEvent(marker, "message", "1", null), everything.next());
            }
        }
    }

    /** A wildcard catches up on every topic it covers, each event once, in order; nothing it does not cover. */
    static void assertAWildcardCatchesUp(Api on, Api via, String name) throws Exception {
        String prefix = "wild-catchup-" + name;
        String from = via.publish(prefix + "/a", "0");
        String a = via.publish(prefix + "/a", "1");
        via.publish(prefix + "-not/a", "2");
        String deeper = via.publish(prefix + "/b/c", "3");
        // a stream resuming from the newest id opens only once its node holds it (on Redis, it waits for it)
        try (SseStream probe = on.stream("topic=" + prefix + "/b/c", Map.of("Last-Event-ID", deeper))) {
            probe.ready();
        }

        try (SseStream stream = on.stream("topic=" + prefix + "/*&topic=" + prefix + "/a",
                Map.of("Last-Event-ID", from))) {
            List<SseEvent> opening = stream.until(e -> e.type().equals("ready"));

            assertEquals("welcome", opening.get(0).type());
            assertEquals(List.of(new SseEvent(a, "message", "1", null), new SseEvent(deeper, "message", "3", null)),
                    opening.subList(1, 3));
            assertEquals("{\"replayed\":2,\"retained\":0}", opening.get(3).data());
        }
    }

    /**
     * A topic the wildcard covers loses an event after the client's id (10,001 of them in a history of 10,000):
     * the client gets a reset, as a client of that topic by name would.
     */
    static void assertAWildcardIsResetWhenACoveredTopicLostAnEvent(Api on, Api via, String name) throws Exception {
        String prefix = "wild-reset-" + name;
        String from = via.publish(prefix + "/quiet", "0");
        via.publishMany(prefix + "/busy", 10_001, 8);
        String last = via.publish(prefix + "/quiet", "1");
        try (SseStream probe = on.stream("topic=" + prefix + "/quiet", Map.of("Last-Event-ID", last))) {
            probe.ready();
        }

        try (SseStream stream = on.stream("topic=" + prefix + "/*", Map.of("Last-Event-ID", from))) {
            assertEquals("welcome", stream.next().type());
            SseEvent reset = stream.next();
            assertEquals("reset", reset.type());
            assertEquals("{\"lastEventId\":\"" + from + "\",\"reason\":\"too-old\"}", reset.data());
            assertEquals("{\"replayed\":0,\"retained\":0}", stream.next().data());
        }
    }

    /**
     * A new stream's retained events come through its wildcards as through its names: the topics a wildcard covers,
     * once each, oldest id first, not the prefix itself; a private topic only with its grant.
     */
    static void assertAWildcardGetsTheRetainedEventsItCovers(Api on, Api via, String name) throws Exception {
        String prefix = "wild-retained-" + name;
        String a = RetainedIT.retain(via, prefix + "/a", "1");
        RetainedIT.retain(via, prefix, "2");
        String deeper = RetainedIT.retain(via, prefix + "/b/c", "3");
        String mine = RetainedIT.retain(via, "user/" + prefix, "4");
        // a stream that resumes from the newest id opens only once its node holds it (on Redis, it waits for it)
        try (SseStream probe = on.stream("topic=user/" + prefix, Map.of("Last-Event-ID", mine))) {
            probe.ready();
        }

        try (SseStream stream = on.stream("topic=" + prefix + "/*&topic=" + prefix + "/a")) {
            List<SseEvent> opening = stream.until(e -> e.type().equals("ready"));

            assertEquals(List.of(new SseEvent(a, "message", "1", null), new SseEvent(deeper, "message", "3", null)),
                    opening.subList(1, 3));
            assertEquals("{\"replayed\":0,\"retained\":2}", opening.get(3).data());
        }
        try (SseStream anonymous = open(on, "topic=user/*", null);
                SseStream granted = open(on, "topic=user/*", token("support", "user/*"))) {
            // the retained events only: ready carries the stream's position, which is that id too
            List<String> withoutGrant = ids(anonymous.until(e -> e.type().equals("ready")).stream()
                    .filter(e -> e.type().equals("message")).toList());
            List<String> withGrant = ids(granted.until(e -> e.type().equals("ready")).stream()
                    .filter(e -> e.type().equals("message")).toList());

            assertTrue(!withoutGrant.contains(mine) && withGrant.contains(mine), withoutGrant + " / " + withGrant);
        }
    }

    @Test
    void anEventReachesAStreamOnceHoweverManyOfItsEntriesMatch() throws Exception {
        assertOneDeliveryWhenSeveralEntriesMatch(api, api, "single");
    }

    @Test
    void privateTopicsReachAWildcardOnlyWithTheirGrant() throws Exception {
        assertPrivateTopicsNeedTheirGrantUnderAWildcard(api, api, "single");
    }

    @Test
    void presenceIsNeverMatchedByAWildcard() throws Exception {
        assertPresenceIsNeverMatched(api, api, "single");
    }

    @Test
    void aWildcardCatchesUpOnEveryTopicItCovers() throws Exception {
        assertAWildcardCatchesUp(api, api, "single");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aWildcardIsResetWhenATopicItCoversLostAnEventAfterItsId() throws Exception {
        assertAWildcardIsResetWhenACoveredTopicLostAnEvent(api, api, "single");
    }

    @Test
    void aWildcardGetsTheRetainedEventsOfTheTopicsItCovers() throws Exception {
        assertAWildcardGetsTheRetainedEventsItCovers(api, api, "single");
    }

    @Test
    void everyOtherStarIsAnInvalidTopic() throws Exception {
        for (String topic : List.of("orders/x*", "orders*", "*/orders", "orders/*/a", "**", "orders/**", "/*")) {
            HttpResponse<String> response = api.get("api/events?topic=" + topic);

            assertEquals(400, response.statusCode(), topic);
            assertTrue(response.body().contains("\"error\":\"invalid_topic\""), response.body());
        }
    }
}
