package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A token's subject on one node: presence and the client list name it, and an admin ends every stream of a subject
 * at once ({@code DELETE /api/clients?sub=}), and can keep its new streams out for a while ({@code &for=}).
 */
class SubjectStreamsIT extends DeployedWar {

    private static final Pattern CLIENT_ID = Pattern.compile("\\{\"clientId\":\"([A-Za-z0-9_-]{10})\".*");

    private static String admin() {
        return Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops", Instant.now().plusSeconds(600), null);
    }

    /** A token of {@code subject} that grants nothing: enough for public topics. */
    private static Map<String, String> as(String subject) {
        return Map.of("Authorization", "Bearer " + Tokens.signed(Tokens.SECRET, List.of(), List.of(), subject,
                Instant.now().plusSeconds(600), null));
    }

    private static String clientId(SseStream stream) throws InterruptedException {
        Matcher welcome = CLIENT_ID.matcher(stream.next().data());
        assertTrue(welcome.matches());
        stream.ready();
        return welcome.group(1);
    }

    private HttpResponse<String> endSubject(String query, String token) throws Exception {
        return api.delete("api/clients?" + query, token);
    }

    @Test
    void presenceAndTheClientListNameEachStreamsSubjectAndEndingOneSubjectEndsOnlyItsStreams() throws Exception {
        try (SseStream watcher = api.stream("topic=$presence")) {
            watcher.ready();
            try (SseStream alice1 = api.stream("topic=subjects", as("it-alice"));
                    SseStream alice2 = api.stream("topic=subjects", as("it-alice"));
                    SseStream bob = api.stream("topic=subjects", as("it-bob"));
                    SseStream anonymous = api.stream("topic=subjects", Map.of(Api.NO_TOKEN, ""))) {
                String alice1Id = clientId(alice1);
                String alice2Id = clientId(alice2);
                String bobId = clientId(bob);
                String anonymousId = clientId(anonymous);

                assertEquals(join(alice1Id, "it-alice"), joinOf(watcher, alice1Id));
                assertEquals(join(alice2Id, "it-alice"), joinOf(watcher, alice2Id));
                assertEquals(join(bobId, "it-bob"), joinOf(watcher, bobId));
                assertEquals(join(anonymousId, null), joinOf(watcher, anonymousId));
                String clients = api.get("api/clients").body();
                assertTrue(clients.contains("{\"clientId\":\"" + alice1Id + "\",\"topics\":[\"subjects\"],"
                        + "\"connectedAt\":"), clients);
                assertTrue(listed(clients, alice1Id).endsWith(",\"sub\":\"it-alice\"}"), clients);
                assertTrue(listed(clients, bobId).endsWith(",\"sub\":\"it-bob\"}"), clients);
                assertFalse(listed(clients, anonymousId).contains("\"sub\""), clients);

                HttpResponse<String> ended = endSubject("sub=it-alice", admin());

                assertEquals(200, ended.statusCode(), ended.body());
                assertEquals("{\"ended\":2}", ended.body());
                alice1.awaitEnd();
                alice2.awaitEnd();
                // in either order
                java.util.Set<String> leaves = new java.util.HashSet<>();
                for (int i = 0; i < 2; i++) {
                    leaves.add(watcher.await(e -> "leave".equals(e.type()) && e.data().contains("it-alice")).data());
                }
                assertEquals(java.util.Set.of(join(alice1Id, "it-alice"), join(alice2Id, "it-alice")), leaves);
                String id = api.publish("subjects", "\"still here\"");
                assertEquals(id, bob.await(e -> id.equals(e.id())).id());
                assertEquals(id, anonymous.await(e -> id.equals(e.id())).id());
                // without for=, the subject may come back at once
                try (SseStream back = api.stream("topic=subjects", as("it-alice"))) {
                    back.ready();
                }
            }
        }
    }

    @Test
    void endingASubjectNeedsAnAdminAndOneSubjectAndABlockOfOneSecondToADay() throws Exception {
        String notAdmin = Tokens.signed(Tokens.SECRET, List.of("orders"), List.of(), "svc",
                Instant.now().plusSeconds(600), null);

        assertEquals(401, endSubject("sub=it-carol", null).statusCode());
        assertEquals(403, endSubject("sub=it-carol", notAdmin).statusCode());
        assertEquals(403, endSubject("sub=it-carol", Tokens.all()).statusCode());
        for (String query : List.of("sub=", "other=1", "sub=a&sub=b", "sub=" + "x".repeat(256))) {
            HttpResponse<String> refused = endSubject(query, admin());
            assertEquals(400, refused.statusCode(), query);
            assertTrue(refused.body().startsWith("{\"error\":\"invalid_sub\""), refused.body());
        }
        for (String query : List.of("for=0", "for=86401", "for=1.5", "for=", "for=-1", "for=1&for=2")) {
            HttpResponse<String> refused = endSubject("sub=it-carol&" + query, admin());
            assertEquals(400, refused.statusCode(), query);
            assertTrue(refused.body().startsWith("{\"error\":\"invalid_for\""), refused.body());
        }
        assertEquals("{\"ended\":0}", endSubject("sub=" + "x".repeat(255), admin()).body());
        assertEquals("{\"ended\":0}",
                endSubject("sub=" + URLEncoder.encode("auth0|it carol", StandardCharsets.UTF_8), admin()).body());
    }

    @Test
    void aSubjectEndedForSomeSecondsCannotOpenANewStreamMeanwhileButOthersCan() throws Exception {
        try (SseStream dave = api.stream("topic=blocked", as("it-dave"))) {
            dave.ready();

            HttpResponse<String> ended = endSubject("sub=it-dave&for=5", admin());

            assertEquals("{\"ended\":1}", ended.body());
            dave.awaitEnd();
        }
        Map<String, String> headers = new java.util.HashMap<>(as("it-dave"));
        headers.put("Accept", "text/event-stream");
        HttpResponse<String> refused = api.get("api/events?topic=blocked", headers);
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().startsWith("{\"error\":\"subject_blocked\",\"detail\":\""), refused.body());
        assertTrue(refused.body().contains("until 20"), refused.body());
        assertFalse(refused.headers().firstValue("Retry-After").isPresent());
        try (SseStream erin = api.stream("topic=blocked", as("it-erin"));
                SseStream anonymous = api.stream("topic=blocked", Map.of(Api.NO_TOKEN, ""))) {
            erin.ready();
            anonymous.ready();
        }
        // a block concerns streams: the subject may still publish
        HttpResponse<String> published = api.post("api/events", "application/json",
                "{\"topic\":\"blocked\",\"data\":1}".getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Bearer " + Tokens.signed(Tokens.SECRET, List.of("*"), List.of(), "it-dave",
                        Instant.now().plusSeconds(600), null)));
        assertEquals(202, published.statusCode(), published.body());
    }

    private static String join(String clientId, String subject) {
        return "{\"clientId\":\"" + clientId + "\",\"topics\":[\"subjects\"]"
                + (subject == null ? "" : ",\"sub\":\"" + subject + "\"") + "}";
    }

    private static String joinOf(SseStream watcher, String clientId) throws InterruptedException {
        return watcher.await(e -> "join".equals(e.type()) && e.data().contains(clientId)).data();
    }

    /** The JSON object of one client in a {@code GET /api/clients} answer. */
    private static String listed(String clients, String clientId) {
        int start = clients.indexOf("{\"clientId\":\"" + clientId + "\"");
        assertTrue(start >= 0, clientId + " not listed in " + clients);
        return clients.substring(start, clients.indexOf('}', start) + 1);
    }
}
