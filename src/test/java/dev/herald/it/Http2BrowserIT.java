package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Herald over HTTPS with HTTP/2, as browsers meet it in a real deployment: Tomcat's TLS connector with its
 * {@code Http2Protocol}, or Payara Micro's HTTPS listener, each with a self-signed key (so Chromium starts with
 * {@code --ignore-certificate-errors}). One page holds ten streams of its own ({@code share: false}) on one
 * connection, where HTTP/1.1 gives a browser six per host (the contrast is
 * {@code SharedStreamBrowserIT.withoutSharingTheSeventhTabWaitsForOneOfTheBrowsersSixConnections}). Ending one of
 * them, by a kick or when its token expires, ends that stream only, as on HTTP/1.1; a stream that stops reading is
 * held by HTTP/2 flow control alone and then dropped by Herald, while the others on its connection get everything.
 * The shutdown of streams over HTTP/2 is {@code UndeployTomcatIT}.
 */
class Http2BrowserIT extends DeployedWar {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int STREAMS = 10;
    /** Enough to fill the stalled stream's 64 KiB window and then its queue of 1000 events; bounds the test. */
    private static final int MAX_EVENTS = 3000;
    private static final String PAD = "x".repeat(4000);
    private static final boolean PAYARA = "payara".equals(System.getProperty("arquillian.launch"));

    /** Loads herald.js into the page and opens one client per topic, each with its own stream and token. */
    private static final String OPEN = """
            const [topics, tokens, done] = arguments;
            const script = document.createElement('script');
            script.src = 'herald.js';
            script.onload = () => {
              const t = window.h2 = { logs: [], states: [], clientIds: [] };
              topics.forEach((topic, i) => {
                t.logs.push([]); t.states.push([]); t.clientIds.push([]);
                const client = new HeraldClient('api/events', { topics: [topic], share: false, token: tokens[i],
                  onEvent: e => {
                    if (e.type === 'message') { t.logs[i].push(e.lastEventId); }
                    if (e.type === 'welcome') { t.clientIds[i].push(JSON.parse(e.data).clientId); }
                  } });
                client.addEventListener('statechange', e => t.states[i].push(
                    e.detail.state + (e.detail.reason ? ' ' + e.detail.reason.error : '')));
              });
              done(true);
            };
            document.head.appendChild(script);
            """;

    private final String prefix = "h2-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    private final List<String> topics = new ArrayList<>();
    private Browser browser;

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void tenStreamsOfOnePageWithoutSharingAreAllLiveOnOneHttp2Connection() throws Exception {
        openTenClients(null);

        assertEquals("h2", browser.script("return performance.getEntriesByType('navigation')[0].nextHopProtocol"));
        assertEquals("h2", browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('api/health/live', { cache: 'no-store' }).then(r => r.text()).then(() => done(
                    performance.getEntriesByType('resource').filter(e => e.name.includes('api/health/live'))[0].nextHopProtocol));
                """));
        assertEquals(STREAMS, streamsOnOurTopics().size(), "streams the server holds for the page");
        List<String> streams = streamResponses();
        assertEquals(STREAMS, streams.size(), streams.toString());
        assertEquals(1, Set.copyOf(streams).size(), "the streams' connections: " + streams);
        assertTrue(streams.get(0).startsWith("h2 "), streams.get(0));
        List<String> published = publishToEach();
        for (int i = 0; i < STREAMS; i++) {
            assertLogs(i, List.of(published.get(i)));
        }
    }

    @Test
    void aKickEndsOneStreamWhichCatchesUpAndTheNineOthersOnTheConnectionStayLive() throws Exception {
        openTenClients(null);
        Set<String> connection = Set.copyOf(streamResponses());
        assertEquals(1, connection.size(), "the streams' connections: " + connection);
        String kickedId = clientIds(0).get(0);

        HttpResponse<String> kicked = api.delete("api/clients/" + kickedId, Tokens.signed(Tokens.SECRET,
                List.of("$admin"), List.of(), "ops", Instant.now().plusSeconds(600), null));
        assertEquals(204, kicked.statusCode(), kicked.body());
        browser.await("the kicked client notices", d -> states(0).contains("reconnecting stream_ended"));
        String missed = api.publish(topics.get(0), "\"while it waits for its retry delay\"");
        browser.await("the kicked client's new stream", d -> clientIds(0).size() == 2 && lastState(0).equals("open"));
        List<String> after = publishToEach();

        assertLogs(0, List.of(missed, after.get(0)));
        for (int i = 1; i < STREAMS; i++) {
            assertLogs(i, List.of(after.get(i)));
            assertNeverInterrupted(i);
        }
        assertFalse(clientIds(0).get(1).equals(kickedId));
        List<String> since = streamResponses();
        if (PAYARA && since.size() > 1) {
            // the connection dropped as the kicked stream ended (assertNeverInterrupted): all came back on a new one
            assertEquals(1, Set.copyOf(since).size(), "the streams' connections after the drop: " + since);
        } else {
            assertEquals(connection, Set.copyOf(since), "the connection of the kicked stream's new stream");
        }
    }

    @Test
    void aStreamWhoseTokenExpiresEndsAloneAndTheOthersOnTheConnectionStayLive() throws Exception {
        // a token of 8 s without getToken: its stream ends at the expiry, and the reconnection is refused, as
        // herald.js documents (docs/client.md); with getToken it would have moved to a new stream before
        openTenClients(Tokens.signed(Tokens.SECRET, List.of(), List.of("*"), "h2-expiring",
                Instant.now().plusSeconds(8), null));

        browser.await("the end of the expiring stream", d -> states(0).contains("reconnecting stream_ended"));
        browser.await("the refused reconnection", d -> lastState(0).equals("closed unauthorized"));
        List<String> after = publishToEach();

        for (int i = 1; i < STREAMS; i++) {
            assertLogs(i, List.of(after.get(i)));
            assertNeverInterrupted(i);
        }
        assertEquals(List.of(), log(0));
        Await.until("the server holds the nine streams", WAIT, () -> streamsOnOurTopics().size() == STREAMS - 1);
    }

    @Test
    void aStalledStreamHoldsUpOnlyItselfAndIsDroppedWhileTheOthersOnItsConnectionGetEverything() throws Exception {
        String topic = prefix + "/slow";
        Set<String> before = Http2Client.connectionsTo(Http2Client.HTTPS_PORT);
        Http2Client client = new Http2Client(deployment);
        List<Http2EventStream> healthy = new ArrayList<>();
        Set<String> healthyIds = new LinkedHashSet<>();
        Http2EventStream stalled = null;
        try {
            // the first stream makes the connection; every later one is opened on it
            healthyIds.add(openHealthy(client, topic, healthy));
            stalled = client.open("topic=" + topic, Map.of(), true);
            for (int i = 1; i < 4; i++) {
                healthyIds.add(openHealthy(client, topic, healthy));
            }
            assertEquals(1, Http2Client.newConnectionsSince(before).size(), "connections the test made to the HTTPS port");
            String stalledId = stalledClientId(topic, healthyIds);

            List<String> published = new ArrayList<>();
            while (connected(stalledId) && published.size() < MAX_EVENTS) {
                for (int i = 0; i < 100; i++) {
                    published.add(api.publish(topic, "{\"n\":" + published.size() + ",\"pad\":\"" + PAD + "\"}"));
                }
            }
            assertFalse(connected(stalledId), "still connected after " + published.size() + " events");

            String last = published.get(published.size() - 1);
            for (Http2EventStream stream : healthy) {
                assertEquals(published, ids(stream.until(e -> last.equals(e.id()))),
                        "a stream on the stalled one's connection missed or repeated events");
            }
            // what it was sent before the drop, then the end: Tomcat 10.1 resets the stream; Tomcat 11.0.24 leaves it
            // open and silent (no heartbeat, which every live stream gets each second here), so the client gives up
            // on it as herald.js does on a silent stream (docs/deployment.md, HTTP/2)
            stalled.resume();
            List<SseEvent> beforeDrop = stalled.untilEndOrSilent(5, 60);
            stalled.cancel();
            System.out.println("The stream dropped as too slow, once read again: " + stalled.ending());
            beforeDrop.removeIf(e -> e == null); // reset rather than ended: over either way
            List<String> got = ids(beforeDrop);
            assertTrue(got.size() < published.size(), "the stalled stream got everything: never dropped");
            assertEquals(published.subList(0, got.size()), got, "the stalled stream's events before its end");
            String lastId = beforeDrop.stream().map(SseEvent::id).filter(id -> id != null).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("the stalled stream ended before its ready: " + beforeDrop));
            Http2EventStream back = client.open("topic=" + topic, Map.of("Last-Event-ID", lastId), false);
            healthy.add(back);
            Set<String> all = new LinkedHashSet<>(got);
            List<String> caughtUp = ids(back.until(e -> e.type().equals("ready")));
            all.addAll(caughtUp);
            assertEquals(got.size() + caughtUp.size(), all.size(), "an event came twice");
            assertEquals(published, List.copyOf(all), "the catch-up after the drop left a gap");
        } finally {
            healthy.forEach(Http2EventStream::cancel);
            if (stalled != null) {
                stalled.cancel();
            }
        }
    }

    /**
     * Opens a page of Herald's origin over HTTPS in a new browser, and in it one client per topic without sharing,
     * the first with {@code firstToken} if given, every other with a token that grants everything; waits until
     * all are open and the server holds their streams.
     */
    private void openTenClients(String firstToken) throws Exception {
        Browser.assumeInstalled();
        browser = Browser.startIfInstalled(options -> options.addArguments("--ignore-certificate-errors")
                .setCapability("goog:loggingPrefs", Map.of("performance", "ALL")));
        URI https = Http2Client.httpsBase(deployment);
        browser.driver.get(https.resolve("herald.js").toString());
        List<String> tokens = new ArrayList<>();
        for (int i = 1; i <= STREAMS; i++) {
            topics.add(prefix + "/" + i);
            tokens.add(i == 1 && firstToken != null ? firstToken : Tokens.all());
        }
        browser.driver.executeAsyncScript(OPEN, topics, tokens);
        for (int i = 0; i < STREAMS; i++) {
            int client = i;
            browser.await("client " + i + " opens", d -> lastState(client).equals("open"));
        }
        Await.until("the server holds the " + STREAMS + " streams", WAIT, () -> streamsOnOurTopics().size() == STREAMS);
    }

    /**
     * Chromium's own account (its DevTools network log) of the responses to stream requests since the last call:
     * the protocol and the connection of each, as {@code h2 connection 42}.
     */
    private List<String> streamResponses() throws Exception {
        List<String> seen = new ArrayList<>();
        for (LogEntry entry : browser.driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = JSON.readTree(entry.getMessage()).get("message");
            if (message.get("method").asText().equals("Network.responseReceived")) {
                JsonNode response = message.get("params").get("response");
                if (response.get("url").asText().contains("/api/events?")) {
                    seen.add(response.get("protocol").asText() + " connection " + response.get("connectionId").asText());
                }
            }
        }
        return seen;
    }

    /**
     * Client {@code i}'s stream went on while another stream of its connection ended: on Tomcat, strictly. Payara
     * Micro 6.2025.10 (Grizzly 4.0.2) now and then drops the whole HTTP/2 connection when one of its streams ends:
     * Chromium reports a network error on every other stream of it (seen in 2 of 19 runs of this test, here and
     * in CI, never on Tomcat; docs/deployment.md). There the others may reconnect, and must be open again; the
     * caller's {@link #assertLogs} holds them to every event once, caught up with Last-Event-ID.
     */
    private void assertNeverInterrupted(int i) {
        List<String> states = states(i);
        if (PAYARA && !states.equals(List.of("connecting", "open"))) {
            System.out.println("Payara dropped the HTTP/2 connection as a stream ended; client " + i + ": " + states);
            assertEquals(List.of("connecting", "open"), states.subList(0, 2), "client " + i);
            assertEquals("open", states.get(states.size() - 1), "client " + i + " did not come back: " + states);
            assertTrue(states.subList(2, states.size() - 1).stream().allMatch("reconnecting network_error"::equals),
                    "client " + i + ": " + states);
            return;
        }
        assertEquals(List.of("connecting", "open"), states, "client " + i + " saw its stream interrupted");
    }

    /** Publishes one event to each client's topic, in order; their ids. */
    private List<String> publishToEach() throws Exception {
        List<String> ids = new ArrayList<>();
        for (String topic : topics) {
            ids.add(api.publish(topic, "\"for " + topic + "\""));
        }
        return ids;
    }

    /** Waits until client {@code i} logged the last of {@code ids}, then asserts it logged exactly those. */
    private void assertLogs(int i, List<String> ids) {
        String last = ids.get(ids.size() - 1);
        browser.await("event " + last + " in client " + i, d -> log(i).contains(last));
        assertEquals(ids, log(i), "the events client " + i + " logged");
    }

    private List<?> log(int i) {
        return (List<?>) browser.script("return window.h2.logs[arguments[0]]", i);
    }

    @SuppressWarnings("unchecked")
    private List<String> states(int i) {
        return (List<String>) browser.script("return window.h2.states[arguments[0]]", i);
    }

    private String lastState(int i) {
        List<String> states = states(i);
        return states.isEmpty() ? "" : states.get(states.size() - 1);
    }

    @SuppressWarnings("unchecked")
    private List<String> clientIds(int i) {
        return (List<String>) browser.script("return window.h2.clientIds[arguments[0]]", i);
    }

    /** The streams the server lists whose topics are this test's. */
    private List<JsonNode> streamsOnOurTopics() throws Exception {
        HttpResponse<String> clients = api.get("api/clients");
        assertEquals(200, clients.statusCode(), clients.body());
        List<JsonNode> ours = new ArrayList<>();
        for (JsonNode client : JSON.readTree(clients.body())) {
            if (client.get("topics").toString().contains("\"" + prefix + "/")) {
                ours.add(client);
            }
        }
        return ours;
    }

    private boolean connected(String clientId) throws Exception {
        return api.get("api/clients").body().contains("\"" + clientId + "\"");
    }

    /** Opens a stream that reads on {@code topic}, waits for its ready; its client id. */
    private static String openHealthy(Http2Client client, String topic, List<Http2EventStream> streams) throws Exception {
        Http2EventStream stream = client.open("topic=" + topic, Map.of(), false);
        streams.add(stream);
        JsonNode welcome = JSON.readTree(stream.next().data());
        stream.ready();
        return welcome.get("clientId").asText();
    }

    /** The stalled stream has read nothing, not even its welcome: the one on {@code topic} that is not healthy. */
    private String stalledClientId(String topic, Set<String> healthyIds) throws Exception {
        List<String> others = new ArrayList<>();
        for (JsonNode client : JSON.readTree(api.get("api/clients").body())) {
            String id = client.get("clientId").asText();
            if (client.get("topics").toString().equals("[\"" + topic + "\"]") && !healthyIds.contains(id)) {
                others.add(id);
            }
        }
        assertEquals(1, others.size(), "streams on " + topic + " besides the healthy ones: " + others);
        return others.get(0);
    }

    /** The ids of published events, leaving out control events. */
    private static List<String> ids(List<SseEvent> events) {
        return events.stream().filter(e -> e.type().equals("message")).map(SseEvent::id).toList();
    }
}
