package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WindowType;

/**
 * Several tabs of one origin in one Chromium, each with its own {@code HeraldClient}: they share one stream (one tab
 * leads, the others get its events), over HTTP/1.1, where a browser opens at most six connections to a host. Each test
 * has a browser of its own, so that no tab of another test (or a page the test froze) takes part in its election.
 */
class SharedStreamBrowserIT extends DeployedWar {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Enough for an election, a reconnection after the server's 3 s retry delay and a catch-up on a busy machine. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int TABS = 10;

    /**
     * Prepares a tab of Herald's origin: records every stream request herald.js makes (to tell which tab leads without
     * relying on anything herald.js exposes) and loads herald.js. Async: ends by calling the driver's callback.
     */
    private static final String PREPARE = """
            const done = arguments[arguments.length - 1];
            const t = window.heraldTest = { log: [], states: [], streams: [], tokens: [], tokensAsked: 0 };
            const realFetch = window.fetch.bind(window);
            window.fetch = (input, init) => {
              const url = String(input && input.url ? input.url : input);
              const method = (init && init.method) || 'GET';
              if (!url.includes('api/events') || method !== 'GET') { return realFetch(input, init); }
              const stream = { url, ended: false };
              t.streams.push(stream);
              if (init && init.signal) { init.signal.addEventListener('abort', () => { stream.ended = true; }); }
              const answer = realFetch(input, init);
              answer.then(r => { if (!r.ok) { stream.ended = true; } }, () => { stream.ended = true; });
              return answer;
            };
            const script = document.createElement('script');
            script.src = 'herald.js';
            script.onload = () => done(true);
            document.head.appendChild(script);
            """;

    /** Starts the tab's client on {@code topics}; logs the id of every published event it dispatches. */
    private static final String START = """
            const [topics, share, withToken] = arguments;
            const t = window.heraldTest;
            const options = { topics, onEvent: e => { if (e.type === 'message') { t.log.push(e.lastEventId); } } };
            if (!share) { options.share = false; }
            if (withToken) { options.getToken = async () => { t.tokensAsked++; return t.tokens[t.tokens.length - 1]; }; }
            t.client = new HeraldClient('api/events', options);
            t.client.addEventListener('statechange', e => t.states.push(e.detail.state));
            """;

    private final String prefix = "share-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    private final String all = prefix + "/all";
    private Browser browser;
    /** Window handle to the topics its client listens to, in the order the tabs were opened. */
    private final Map<String, List<String>> tabs = new LinkedHashMap<>();
    /** The topic of every event the test published. */
    private final Map<String, String> topicOf = new ConcurrentHashMap<>();

    @BeforeEach
    void startBrowser() {
        Browser.assumeInstalled();
        browser = Browser.startIfInstalled();
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void tenTabsShareOneStreamAndEachLogsEveryEventOfItsTopicsOnce() throws Exception {
        openSharingTabs();

        List<String> published = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int tab = 1; tab <= TABS; tab++) {
                published.add(publish(prefix + "/" + tab, "{\"tab\":" + tab + "}"));
            }
            published.add(publish(all, "{\"round\":" + round + "}"));
        }
        published.add(publish(all, "\"last\""));

        for (String tab : tabs.keySet()) {
            assertLogsExactly(tab, expected(published, tabs.get(tab)));
        }
        assertEquals(1, streamsOf(all).size(), "streams the server holds for the tabs");
    }

    @Test
    void whenTheLeadingTabClosesTheOthersGetEveryEventPublishedDuringTheHandoverOnce() throws Exception {
        openSharingTabs();
        String leader = theLeader();
        List<String> published = Collections.synchronizedList(new ArrayList<>());
        published.add(publish(all, "\"before\""));

        try (Publishing during = new Publishing(published)) {
            during.awaitSome(3);
            browser.driver.switchTo().window(leader).close();
            tabs.remove(leader);
            browser.driver.switchTo().window(tabs.keySet().iterator().next());
            awaitLeaderAmong(tabs.keySet());
            during.awaitSome(3); // some published after the new leader took over
        }
        published.add(publish(all, "\"last\""));

        for (String tab : tabs.keySet()) {
            assertLogsExactly(tab, expected(published, tabs.get(tab)));
        }
    }

    @Test
    void aFrozenLeaderIsReplacedAndFollowsWhenItWakesAndNoTabLosesOrRepeatsAnEvent() throws Exception {
        openSharingTabs();
        String leader = theLeader();
        List<String> published = new ArrayList<>();
        published.add(publish(all, "\"before\""));

        browser.driver.switchTo().window(leader);
        browser.driver.executeCdpCommand("Page.setWebLifecycleState", Map.of("state", "frozen"));
        List<String> others = tabs.keySet().stream().filter(tab -> !tab.equals(leader)).toList();
        browser.driver.switchTo().window(others.get(0));
        for (int i = 0; i < 5; i++) {
            published.add(publish(all, "{\"frozen\":" + i + "}"));
        }
        awaitLeaderAmong(others);
        published.add(publish(all, "\"replaced\""));
        for (String tab : others) {
            assertLogsExactly(tab, expected(published, tabs.get(tab)));
        }

        // the old leader wakes up: its epoch is an old one, so it follows the new leader and catches up on its own
        browser.driver.switchTo().window(leader);
        browser.driver.executeCdpCommand("Page.setWebLifecycleState", Map.of("state", "active"));
        published.add(publish(all, "\"woken\""));
        assertLogsExactly(leader, expected(published, tabs.get(leader)));
        Await.until("one stream again, held by one tab", WAIT, () -> streamsOf(all).size() == 1);
        published.add(publish(all, "\"last\""));

        for (String tab : tabs.keySet()) {
            assertLogsExactly(tab, expected(published, tabs.get(tab)));
        }
        assertTrue(others.contains(theLeader()), "the woken tab leads again");
        assertEquals(1, streamsOf(all).size(), "streams the server holds for the tabs");
    }

    @Test
    void withoutSharingTheSeventhTabWaitsForOneOfTheBrowsersSixConnections() throws Exception {
        // every page is loaded first: once six streams hold the browser's six connections, a page of that host
        // would not load either
        for (int tab = 1; tab <= 7; tab++) {
            openTab(List.of(prefix + "/" + tab, all));
        }
        for (String tab : tabs.keySet()) {
            start(tab, false, false);
        }
        List<String> handles = new ArrayList<>(tabs.keySet());
        String seventh = handles.get(6);
        Await.until("six streams of the seven tabs", WAIT, () -> streamsOf(all).size() == 6);

        String id = publish(all, "\"seen by six\"");
        for (String tab : handles.subList(0, 6)) {
            assertLogsExactly(tab, List.of(id));
        }
        browser.driver.switchTo().window(seventh);
        assertEquals(List.of(), browser.script("return window.heraldTest.log"), "the seventh tab got an event");
        assertFalse(browser.script("return window.heraldTest.states").toString().contains("open"),
                "the seventh tab's client opened its stream");
        assertEquals(6, streamsOf(all).size());

        browser.driver.switchTo().window(handles.get(0)).close(); // frees a connection: the seventh tab connects
        tabs.remove(handles.get(0));
        Await.until("the seventh tab's stream", WAIT, () -> streamsOf(prefix + "/7").size() == 1);
    }

    @Test
    void aTokenRenewedBeforeItExpiresLeavesNoGapAndNoDuplicate() throws Exception {
        String subject = prefix.replace('-', '_');
        String topic = "user/" + subject;
        String tab = openTab(List.of(topic));
        Instant newest = pushToken(tab, subject);
        start(tab, true, true);
        Await.until("the tab's stream", WAIT, () -> streamsOf(topic).size() == 1);

        List<String> published = new ArrayList<>();
        Instant end = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(end)) {
            if (Duration.between(Instant.now(), newest).toSeconds() < 8) {
                newest = pushToken(tab, subject); // the application's own token endpoint, ahead of herald.js asking
            }
            published.add(publish(topic, "{\"n\":" + published.size() + "}"));
            browser.await("event " + published.size() + " in the tab",
                    d -> ((List<?>) browser.script("return window.heraldTest.log")).size() >= published.size() - 3);
            TimeUnit.MILLISECONDS.sleep(300); // the publisher's pace, not a wait for the browser
        }
        published.add(publish(topic, "\"last\""));

        assertLogsExactly(tab, published);
        List<?> states = (List<?>) browser.script("return window.heraldTest.states");
        assertTrue(states.contains("open"), states.toString());
        assertFalse(states.subList(states.indexOf("open"), states.size()).contains("reconnecting"),
                "the application saw its stream interrupted: " + states);
        long asked = (Long) browser.script("return window.heraldTest.tokensAsked");
        assertTrue(asked >= 3, "30 s on tokens of 10 s took " + asked + " tokens");
    }

    /** Opens {@link #TABS} tabs that share; waits until the server holds one stream with all their topics. */
    private void openSharingTabs() throws Exception {
        for (int tab = 1; tab <= TABS; tab++) {
            String handle = openTab(List.of(prefix + "/" + tab, all));
            start(handle, true, false);
        }
        List<String> every = tabs.values().stream().flatMap(List::stream).distinct().toList();
        Await.until("one stream for the " + TABS + " tabs' topics", WAIT, () -> {
            List<JsonNode> streams = streamsOf(all);
            return streams.size() == 1 && topics(streams.get(0)).containsAll(every);
        });
        awaitLeaderAmong(tabs.keySet());
    }

    /** A tab of Herald's origin (the first one in the session's own window) that loaded herald.js. */
    private String openTab(List<String> topics) {
        if (!tabs.isEmpty()) {
            browser.driver.switchTo().newWindow(WindowType.TAB);
        }
        browser.driver.get(api.uri("herald.js").toString());
        browser.driver.executeAsyncScript(PREPARE);
        String handle = browser.driver.getWindowHandle();
        tabs.put(handle, topics);
        return handle;
    }

    private void start(String tab, boolean share, boolean withToken) {
        browser.driver.switchTo().window(tab);
        browser.script(START, tabs.get(tab), share, withToken);
    }

    /** Signs a token for {@code subject} that expires in 10 s, and hands it to the tab's getToken. */
    private Instant pushToken(String tab, String subject) {
        Instant expires = Instant.now().plusSeconds(10);
        browser.driver.switchTo().window(tab);
        browser.script("window.heraldTest.tokens.push(arguments[0])",
                Tokens.signed(Tokens.SECRET, List.of(), List.of(), subject, expires, null));
        return expires;
    }

    /** The one tab whose herald.js holds a stream; fails unless exactly one does. */
    private String theLeader() {
        List<String> leaders = tabs.keySet().stream().filter(this::holdsAStream).toList();
        assertEquals(1, leaders.size(), "tabs that hold a stream");
        return leaders.get(0);
    }

    private void awaitLeaderAmong(Collection<String> candidates) throws Exception {
        Await.until("one of the tabs leads", WAIT, () -> candidates.stream().filter(this::holdsAStream).count() == 1);
    }

    private boolean holdsAStream(String tab) {
        browser.driver.switchTo().window(tab);
        return (Boolean) browser.script("return window.heraldTest.streams.some(s => !s.ended)");
    }

    /** Waits until the tab logged as many events as expected, then asserts they are exactly those, in order. */
    private void assertLogsExactly(String tab, List<String> ids) {
        browser.driver.switchTo().window(tab);
        String last = ids.get(ids.size() - 1);
        List<?> log = browser.await("event " + last + " in tab " + tab, d -> {
            List<?> seen = (List<?>) browser.script("return window.heraldTest.log");
            return seen.contains(last) ? seen : null;
        });
        assertEquals(ids, log, "the events tab " + tab + " logged");
    }

    /** The ids of {@code published} whose topic is one of {@code topics}, in publication order. */
    private List<String> expected(List<String> published, List<String> topics) {
        return List.copyOf(published).stream().filter(id -> topics.contains(topicOf.get(id))).toList();
    }

    /** Publishes to {@code topic} and remembers the topic of the id it got. */
    private String publish(String topic, String data) throws Exception {
        String id = api.publish(topic, data);
        topicOf.put(id, topic);
        return id;
    }

    private List<JsonNode> streamsOf(String topic) throws Exception {
        HttpResponse<String> clients = api.get("api/clients");
        assertEquals(200, clients.statusCode(), clients.body());
        List<JsonNode> streams = new ArrayList<>();
        for (JsonNode client : JSON.readTree(clients.body())) {
            if (topics(client).contains(topic)) {
                streams.add(client);
            }
        }
        return streams;
    }

    private static List<String> topics(JsonNode client) {
        List<String> topics = new ArrayList<>();
        client.get("topics").forEach(topic -> topics.add(topic.asText()));
        return topics;
    }

    /** Publishes to the common topic every 100 ms from its own thread, at most 300 events, until closed. */
    private final class Publishing implements AutoCloseable {

        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<String> published;
        private final Future<?> done;

        Publishing(List<String> published) {
            this.published = published;
            this.done = thread.submit(() -> {
                for (int i = 0; i < 300 && !stop.get(); i++) {
                    published.add(publish(all, "{\"during\":" + i + "}"));
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                return null;
            });
        }

        /** Waits until {@code count} more events were published. */
        void awaitSome(int count) throws Exception {
            int target = published.size() + count;
            Await.until(count + " more events published", WAIT, () -> published.size() >= target || done.isDone());
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            done.get(10, TimeUnit.SECONDS);
            thread.shutdown();
        }
    }
}
