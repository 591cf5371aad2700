package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** herald.js in a real headless Chromium, against the deployed WAR. */
class ClientBrowserIT extends InBrowser {

    /** A page of Herald's origin that loaded herald.js. */
    @BeforeEach
    void openPage() {
        browser.driver.get(api.uri("herald.js").toString());
        browser.driver.executeAsyncScript("const done = arguments[0]; const s = document.createElement('script');"
                + "s.src = 'herald.js'; s.onload = () => done(true); document.head.appendChild(s);");
    }

    /** Runs {@code body} with {@code done(result)} in scope, and gives back what it passed to {@code done}. */
    private Object async(String body, Object... arguments) {
        return browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];" + body, arguments);
    }

    @Test
    void callsOnResetWhenTheServerCannotResume() {
        Map<?, ?> reset = (Map<?, ?>) async("const client = new HeraldClient('api/events', { topics: ['js-reset'],"
                + " lastEventId: 'zzzzzzzz-5', token: arguments[0], onReset: data => { client.close(); done(data); } });",
                Tokens.all());
        assertEquals("zzzzzzzz-5", reset.get("lastEventId"));
        assertEquals("other-run", reset.get("reason"));
    }

    @Test
    void deliversEventsByTypeAndResumesAfterTheLastOne() throws Exception {
        String first = api.publish("js-resume", "{\"n\":1}");
        String second = api.publish("{\"topic\":\"js-resume\",\"type\":\"like\",\"data\":{\"n\":2}}");
        List<?> seen = (List<?>) async("const seen = [];"
                + "const client = new HeraldClient('api/events', { topics: ['js-resume'], lastEventId: arguments[0],"
                + " token: arguments[1] });"
                + "client.addEventListener('like', e => { seen.push([e.type, e.lastEventId, e.data, e.replayed]);"
                + " client.close(); done(seen); });"
                + "client.addEventListener('message', e => seen.push([e.type, e.lastEventId, e.data, e.replayed]));",
                first, Tokens.all());
        assertEquals(List.of(List.of("like", second, "{\"n\":2}", true)), seen, "only the event after " + first);
    }

    @Test
    void takesAWildcardTopicAsItTakesAName() throws Exception {
        String first = api.publish("js-wild/a", "{\"n\":1}");
        String second = api.publish("js-wild/b/c", "{\"n\":2}");
        List<?> seen = (List<?>) async("const client = new HeraldClient('api/events', { topics: ['js-wild/*'],"
                + " lastEventId: arguments[0], token: arguments[1] });"
                + "client.addEventListener('message', e => { client.close(); done([e.lastEventId, e.data]); });",
                first, Tokens.all());
        assertEquals(List.of(second, "{\"n\":2}"), seen);
    }

    @Test
    void flagsTheRetainedEventsOfANewStreamAndKeepsItsPositionFromReady() throws Exception {
        String retained = RetainedIT.retain(api, "js-retained", "{\"n\":1}");
        Map<?, ?> outcome = (Map<?, ?>) async("const seen = [];"
                + "const client = new HeraldClient('api/events', { topics: ['js-retained'], token: arguments[0] });"
                + "client.addEventListener('message', e => seen.push([e.lastEventId, e.data, e.replayed, e.retained]));"
                + "client.addEventListener('ready', e => { client.close();"
                + " done({ seen, ready: e.data, position: client.lastEventId, readyId: e.lastEventId }); });",
                Tokens.all());

        assertEquals(List.of(List.of(retained, "{\"n\":1}", false, true)), outcome.get("seen"));
        assertEquals("{\"replayed\":0,\"retained\":1}", outcome.get("ready"));
        assertEquals(outcome.get("readyId"), outcome.get("position"));
    }

    @Test
    void setTopicsFetchesTheRetainedEventsOfTheTopicsItAddsAndDropsTheSameEventCaughtUpWith() throws Exception {
        RetainedIT.retain(api, "js-added", "\"replaced\"");
        List<?> seen = (List<?>) async("const seen = []; let readies = 0; const token = arguments[0];"
                + "const client = new HeraldClient('api/events', { topics: ['js-base'], token });"
                + "client.addEventListener('message', e => seen.push([e.lastEventId, e.data, e.replayed, e.retained]));"
                + "client.addEventListener('ready', async () => {"
                + " if (++readies === 2) { client.close(); done(seen); return; }"
                // published after the position the stream resumes from: the catch-up brings it again
                + " const answer = await fetch('api/events', { method: 'POST', body: JSON.stringify({ topic: 'js-added',"
                + "  data: 'now', retain: true }), headers: { 'Content-Type': 'application/json',"
                + "  Authorization: 'Bearer ' + token } });"
                + " seen.push(['published', (await answer.json()).id]);"
                + " client.setTopics(['js-base', 'js-added']); });",
                Tokens.all());

        assertEquals(2, seen.size(), seen.toString());
        String id = (String) ((List<?>) seen.get(0)).get(1);
        assertEquals(List.of(id, "\"now\"", false, true), seen.get(1), "fetched once, flagged retained");
    }

    @Test
    void asksTheApplicationForAFreshTokenOn401() {
        String expired = Tokens.signed(Tokens.SECRET, List.of(), List.of("*"), null, Instant.now().minusSeconds(60), null);
        Map<?, ?> outcome = (Map<?, ?>) async("let asked = 0; const fresh = arguments[1];"
                + "const client = new HeraldClient('api/events', { topics: ['$presence'], token: arguments[0],"
                + " getToken: async () => { asked++; return fresh; } });"
                + "client.addEventListener('ready', () => { client.close(); done({ asked }); });",
                expired, Tokens.all());
        assertEquals(1L, outcome.get("asked"));
    }

    @Test
    void stopsOn403AndSaysWhy() {
        String ordersOnly = Tokens.signed(Tokens.SECRET, List.of(), List.of("orders"), null,
                Instant.now().plusSeconds(600), null);
        Map<?, ?> closed = (Map<?, ?>) async("const states = [];"
                + "const client = new HeraldClient('api/events', { topics: ['$presence'], token: arguments[0] });"
                + "client.addEventListener('statechange', e => { states.push(e.detail.state);"
                + " if (e.detail.state === 'closed') { const r = e.detail.reason;"
                + "  done({ states, status: r.status, error: r.error, text: String(r) }); } });",
                ordersOnly);
        assertEquals(403L, closed.get("status"));
        assertEquals("forbidden", closed.get("error"));
        assertEquals(List.of("connecting", "closed"), closed.get("states"), "no retry after a 403");
        assertTrue(((String) closed.get("text")).startsWith("403 forbidden: "), closed.toString());
    }

    @Test
    void reconnectsWhenNothingArrivesForTwiceTheHeartbeat() {
        // the test server sends a heartbeat every second; a client told to expect one every 0.2 s finds it silent
        Map<?, ?> outcome = (Map<?, ?>) async("const states = []; let welcomes = 0;"
                + "const client = new HeraldClient('api/events', { topics: ['js-silent'], token: arguments[0],"
                + " heartbeatSeconds: 0.2, retryMs: 100 });"
                + "client.addEventListener('statechange', e => { states.push(e.detail.state + ':'"
                + " + (e.detail.reason ? e.detail.reason.error : '')); });"
                + "client.addEventListener('welcome', () => { if (++welcomes === 2) { client.close(); done({ states }); } });",
                Tokens.all());
        List<?> states = (List<?>) outcome.get("states");
        assertTrue(states.contains("reconnecting:silent"), states.toString());
    }

    @Test
    void parsesTheStreamAsEventSourceDoes() {
        // the WHATWG rules: CR, LF or CRLF end a line, also split across chunks; one space after the colon is
        // dropped; data lines join with LF; an event without data is not dispatched; comments are ignored
        List<?> events = (List<?>) browser.script("const events = []; let retry = 0;"
                + "const parser = new HeraldClient.EventStreamParser(e => events.push([e.type, e.data, e.id]),"
                + " ms => { retry = ms; });"
                + "for (const chunk of ['data: a\\r', '\\ndata:b\\n\\n', 'event: x\\nid: 7\\n\\n', ': hi\\r\\n',"
                + " 'retry: 250\\nretry: x\\nid: 8\\ndata:  two spaces\\r\\r', 'event: like\\ndata: {\"n\"', ':1}\\n',"
                + " '\\nid\\ndata: after id reset\\n\\n', 'data: unfinished']) { parser.feed(chunk); }"
                + "return [events, retry];");
        assertEquals(List.of(
                List.of(List.of("message", "a\nb", ""),
                        List.of("message", " two spaces", "8"),
                        List.of("like", "{\"n\":1}", "8"),
                        List.of("message", "after id reset", "")),
                250L), events);
    }
}
