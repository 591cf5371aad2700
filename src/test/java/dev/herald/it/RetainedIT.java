package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Retained events on the default deployment: how streams get them, clearing and reading them over HTTP, and who may.
 * Each test has topics of its own, as they share one deployment.
 */
class RetainedIT extends DeployedWar {

    /** Publishes {@code data} to {@code topic} as its retained event; the id. */
    static String retain(Api api, String topic, String data) throws Exception {
        return api.publish("{\"topic\":\"" + topic + "\",\"data\":" + data + ",\"retain\":true}");
    }

    static String json(String id, String topic, String data) {
        return "{\"id\":\"" + id + "\",\"topic\":\"" + topic + "\",\"type\":\"message\",\"data\":" + data + "}";
    }

    private HttpResponse<String> publish(String json) throws Exception {
        return api.post("api/events", "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static String token(List<String> publish, List<String> subscribe, String subject) {
        return Tokens.signed(Tokens.SECRET, publish, subscribe, subject, Instant.now().plusSeconds(600), null);
    }

    @Test
    void aNewStreamGetsItsTopicsRetainedEventsOldestFirstBetweenWelcomeAndReady() throws Exception {
        String replaced = retain(api, "ret-new/a", "1");
        String b = retain(api, "ret-new/b", "2");
        String a = retain(api, "ret-new/a", "3");
        String plain = api.publish("ret-new/a", "4");

        try (SseStream stream = api.stream("topic=ret-new/a&topic=ret-new/b&topic=ret-new/none")) {
            assertEquals("welcome", stream.next().type());
            assertEquals(new SseEvent(b, "message", "2", null), stream.next());
            assertEquals(new SseEvent(a, "message", "3", null), stream.next(), "not " + replaced + " nor " + plain);
            SseEvent ready = stream.next();
            assertEquals("ready", ready.type());
            assertEquals("{\"replayed\":0,\"retained\":2}", ready.data());
            assertEquals(plain, ready.id());

            String live = retain(api, "ret-new/b", "5");
            assertEquals(new SseEvent(live, "message", "5", null), stream.next(), "a retained event is also live");
            stream.assertNothingMore();
        }
    }

    @Test
    void aStreamThatIsResetGetsThemAfterTheReset() throws Exception {
        String retained = retain(api, "ret-reset", "1");

        try (SseStream stream = api.stream("topic=ret-reset", Map.of("Last-Event-ID", "zzzzzzzz-1"))) {
            List<SseEvent> opening = stream.until(e -> e.type().equals("ready"));

            assertEquals(List.of("welcome", "reset", "message", "ready"), opening.stream().map(SseEvent::type).toList());
            assertEquals(new SseEvent(retained, "message", "1", null), opening.get(2));
            assertEquals("{\"replayed\":0,\"retained\":1}", opening.get(3).data());
        }
    }

    @Test
    void anExactCatchUpDoesNotBringThemAgain() throws Exception {
        String retained = retain(api, "ret-exact", "1");
        String after = api.publish("ret-exact", "2");

        try (SseStream missedOne = api.stream("topic=ret-exact", Map.of("Last-Event-ID", retained));
                SseStream missedNone = api.stream("topic=ret-exact", Map.of("Last-Event-ID", after))) {
            List<SseEvent> one = missedOne.until(e -> e.type().equals("ready"));
            List<SseEvent> none = missedNone.until(e -> e.type().equals("ready"));

            assertEquals(List.of("welcome", "message", "ready"), one.stream().map(SseEvent::type).toList());
            assertEquals(after, one.get(1).id());
            assertEquals("{\"replayed\":1,\"retained\":0}", one.get(2).data());
            assertEquals(List.of("welcome", "ready"), none.stream().map(SseEvent::type).toList());
            assertEquals("{\"replayed\":0,\"retained\":0}", none.get(1).data());
        }
    }

    @Test
    void clearingAnswers204Then404AndNeedsTheGrantToPublishThere() throws Exception {
        retain(api, "ret-clear/a", "1");
        String elsewhere = token(List.of("ret-clear/other"), List.of(), null);

        HttpResponse<String> nobody = api.delete("api/retained?topic=ret-clear/a", null);
        HttpResponse<String> notGranted = api.delete("api/retained?topic=ret-clear/a", elsewhere);
        HttpResponse<String> reserved = api.delete("api/retained?topic=$presence", Tokens.publisher());
        HttpResponse<String> pattern = api.delete("api/retained?topic=ret-clear/*", Tokens.publisher());
        HttpResponse<String> cleared = api.delete("api/retained?topic=ret-clear/a",
                token(List.of("ret-clear/*"), List.of(), null));
        HttpResponse<String> again = api.delete("api/retained?topic=ret-clear/a", Tokens.publisher());

        assertEquals(401, nobody.statusCode(), nobody.body());
        assertEquals(403, notGranted.statusCode(), notGranted.body());
        assertTrue(notGranted.body().contains("\"forbidden\""), notGranted.body());
        assertEquals(403, reserved.statusCode(), reserved.body());
        assertTrue(reserved.body().contains("\"reserved_topic\""), reserved.body());
        assertEquals(400, pattern.statusCode(), pattern.body());
        assertTrue(pattern.body().contains("\"invalid_topic\""), pattern.body());
        assertEquals(204, cleared.statusCode(), cleared.body());
        assertEquals(404, again.statusCode(), again.body());
        assertTrue(again.body().contains("\"no_retained_event\""), again.body());
        assertEquals("[]", api.get("api/retained?topic=ret-clear/a").body());
        try (SseStream stream = api.stream("topic=ret-clear/a")) {
            assertEquals("{\"replayed\":0,\"retained\":0}", stream.ready().data());
        }
    }

    @Test
    void readingAnswersOldestFirstWithWildcardsAndOnlyWhatTheCallerMaySubscribeTo() throws Exception {
        String deep = retain(api, "ret-get/x/deep", "1");
        String top = retain(api, "ret-get", "2");
        String x = retain(api, "ret-get/x", "3");
        String alice = retain(api, "user/ret-alice", "4");
        String bob = retain(api, "user/ret-bob", "5");
        String aliceToken = token(List.of(), List.of(), "ret-alice");

        HttpResponse<String> named = api.get("api/retained?topic=ret-get/x&topic=ret-get&topic=ret-get/none");
        HttpResponse<String> under = api.get("api/retained?topic=ret-get/*", Map.of());
        HttpResponse<String> users = api.get("api/retained?topic=user/*", Map.of("Authorization", "Bearer " + aliceToken));
        HttpResponse<String> anonymousUsers = api.get("api/retained?topic=user/*", Map.of());
        HttpResponse<String> everything = api.get("api/retained?topic=*");
        HttpResponse<String> privateNobody = api.get("api/retained?topic=user/ret-bob", Map.of());
        HttpResponse<String> privateOther = api.get("api/retained?topic=user/ret-bob",
                Map.of("Authorization", "Bearer " + aliceToken));
        HttpResponse<String> none = api.get("api/retained");
        HttpResponse<String> presence = api.get("api/retained?topic=$presence");

        assertEquals(200, named.statusCode(), named.body());
        assertEquals("[" + json(top, "ret-get", "2") + "," + json(x, "ret-get/x", "3") + "]", named.body());
        assertEquals("[" + json(deep, "ret-get/x/deep", "1") + "," + json(x, "ret-get/x", "3") + "]", under.body(),
                "orders/* covers every depth, not orders itself");
        assertEquals("[" + json(alice, "user/ret-alice", "4") + "]", users.body());
        assertEquals("[]", anonymousUsers.body());
        for (String id : List.of(deep, top, x, alice, bob)) {
            assertTrue(everything.body().contains("\"" + id + "\""), everything.body());
        }
        assertTrue(everything.body().indexOf(deep) < everything.body().indexOf(bob), everything.body());
        assertEquals(401, privateNobody.statusCode(), privateNobody.body());
        assertEquals(403, privateOther.statusCode(), privateOther.body());
        assertEquals(400, none.statusCode(), none.body());
        assertTrue(none.body().contains("\"invalid_topic\""), none.body());
        assertEquals(400, presence.statusCode(), presence.body());
    }

    @Test
    void retainMustBeABooleanOnAnEventWithATopic() throws Exception {
        HttpResponse<String> notBoolean = publish("{\"topic\":\"ret-bad\",\"data\":1,\"retain\":\"yes\"}");
        HttpResponse<String> noTopic = publish("{\"data\":1,\"retain\":true}");

        assertEquals(400, notBoolean.statusCode(), notBoolean.body());
        assertTrue(notBoolean.body().contains("\"invalid_retain\""), notBoolean.body());
        assertEquals(400, noTopic.statusCode(), noTopic.body());
        assertTrue(noTopic.body().contains("\"invalid_retain\""), noTopic.body());
        assertEquals("[]", api.get("api/retained?topic=ret-bad").body());
    }
}
