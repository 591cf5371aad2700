package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;

/** Herald's page in a real headless Chromium, against the deployed WAR (which is not open: tokens are needed). */
class PageBrowserIT extends InBrowser {

    /** The page as a first visit finds it: nothing remembered from an earlier test. */
    @BeforeEach
    void openPage() {
        browser.driver.manage().window().setSize(new Dimension(1280, 900));
        browser.driver.get(api.uri("").toString());
        browser.script("sessionStorage.clear()");
        browser.driver.navigate().refresh();
    }

    /** Connects the page to {@code topics} with a token that grants everything; returns its client id. */
    private String connect(String topics) {
        return connect(browser, topics);
    }

    private static String connect(Browser in, String topics) {
        in.type("#topics", topics);
        in.type("#token", Tokens.all());
        in.find("#connect button").click();
        return awaitOpen(in);
    }

    private String awaitOpen() {
        return awaitOpen(browser);
    }

    private static String awaitOpen(Browser in) {
        in.await("the page's stream opens", d -> in.text("#state").equals("open"));
        return in.await("the page shows its client id",
                d -> in.text("#client-id").matches("[A-Za-z0-9_-]{10}") ? in.text("#client-id") : null);
    }

    /** The log rows that show the event {@code id}. */
    private int rowsFor(String id) {
        return browser.driver.findElements(By.cssSelector("#log tr[data-id='" + id + "']")).size();
    }

    private void awaitRow(String id) {
        browser.await("event " + id + " in the log", d -> rowsFor(id) > 0);
    }

    @Test
    void aRefusedConnectionShowsWhy() {
        // the page listens to $presence by default, which this server keeps for token holders
        browser.await("the page gives up", d -> browser.text("#state").equals("closed"));
        String reason = browser.text("#state-reason");
        assertTrue(reason.startsWith("401 unauthorized") && reason.contains("$presence"), reason);
    }

    @Test
    void opensAStreamShowsItsClientIdAndLogsPublishedEvents() throws Exception {
        String clientId = connect("page-live, $presence");
        assertTrue(api.get("api/clients").body().contains("\"clientId\":\"" + clientId + "\""));

        String id = api.publish("{\"topic\":\"page-live\",\"type\":\"like\",\"data\":{\"post\":7,\"likes\":12}}");
        awaitRow(id);

        String row = browser.find("#log tr[data-id='" + id + "']").getText();
        assertTrue(row.contains("page-live") && row.contains("like"), row);
        assertTrue(row.contains("\"likes\": 12"), "pretty-printed: " + row);
        assertEquals("1", browser.text("#received"));
        List<?> elsewhere = (List<?>) browser.script("return performance.getEntriesByType('resource')"
                + ".map(e => e.name).filter(name => !name.startsWith(location.origin))");
        assertEquals(List.of(), elsewhere, "requests that left the page's origin");
    }

    @Test
    void aWildcardInTheTopicFieldLogsEveryTopicUnderIt() throws Exception {
        connect("page-wild/*");

        String id = api.publish("page-wild/a/b", "{\"n\":1}");
        awaitRow(id);

        String row = browser.find("#log tr[data-id='" + id + "']").getText();
        assertTrue(row.contains("page-wild/a/b"), "the envelope names the topic: " + row);
    }

    /**
     * A second browser, as a second user (or a private window) would have: the windows of one browser profile share
     * one stream, so a second window of the same browser is no second client.
     */
    @Test
    void aSecondBrowsersJoinAndLeaveAppearInTheFirst() throws Exception {
        connect("page-presence, $presence");
        String second;
        try (Browser other = Browser.startIfInstalled()) {
            other.driver.manage().window().setSize(new Dimension(1280, 900));
            other.driver.get(api.uri("").toString());
            second = connect(other, "page-presence");

            browser.await("the second browser's join", d -> !d.findElements(By.cssSelector(
                    "#clients li[data-client-id='" + second + "']")).isEmpty());
            assertTrue(Integer.parseInt(browser.text("#client-count")) >= 2);

            for (int i = 0; i < 3; i++) {
                api.publish("{\"topic\":\"page-presence\",\"type\":\"comment\",\"data\":{\"text\":\"comment " + i
                        + "\"}}");
            }
            browser.await("three comments", d -> browser.text("#received").equals("3"));
            other.await("three comments in the second browser", d -> other.text("#received").equals("3"));
            browser.await("the events in the chart", d -> !"0".equals(browser.find("#chart").getAttribute("data-bars")));
            browser.screenshot("page");
        }
        browser.await("the second browser's leave", d -> d.findElements(By.cssSelector(
                "#clients li[data-client-id='" + second + "']")).isEmpty());
    }

    @Test
    void afterTheServerEndsItsStreamThePageCatchesUpWithEveryEventOnce() throws Exception {
        String clientId = connect("page-kick");
        List<String> ids = new ArrayList<>();
        publish(ids, 3);
        ids.forEach(this::awaitRow);

        // $admin is granted only by naming it: Tokens.all()'s '*' does not cover it
        HttpResponse<String> kicked = api.delete("api/clients/" + clientId, Tokens.signed(Tokens.SECRET,
                List.of("$admin"), List.of(), "ops", java.time.Instant.now().plusSeconds(600), null));
        assertEquals(204, kicked.statusCode(), kicked.body());
        // the server's retry delay is 3 s: the page counts it down
        browser.await("the page notices", d -> browser.text("#state").matches("reconnecting in [1-3] s"));
        List<String> missed = new ArrayList<>();
        publish(missed, 3); // while the page waits for its retry delay
        String newClientId = awaitOpen();
        assertTrue(!newClientId.equals(clientId));
        ids.addAll(missed);
        publish(ids, 3);

        ids.forEach(this::awaitRow);
        for (String id : ids) {
            assertEquals(1, rowsFor(id), "rows for " + id);
        }
        for (String id : missed) {
            assertEquals("replayed", browser.find("#log tr[data-id='" + id + "']").getAttribute("class"), id);
        }
        assertEquals(String.valueOf(ids.size()), browser.text("#received"));
    }

    private void publish(List<String> ids, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            ids.add(api.publish("page-kick", "{\"n\":" + ids.size() + "}"));
        }
    }

    @Test
    void anIdTheServerCannotResumeFromShowsAResetNotice() {
        connect("page-reset");
        browser.script("sessionStorage.setItem('herald.lastEventId', 'zzzzzzzz-5')");
        browser.driver.navigate().refresh(); // the page resumes from the id it remembers, as after a reload

        awaitOpen();
        String notice = browser.await("a reset notice", d -> d.findElements(By.cssSelector("#log tr.reset")).stream()
                .findFirst().map(row -> row.getText()).orElse(null));
        assertTrue(notice.contains("Reset (other-run)") && notice.contains("zzzzzzzz-5"), notice);
    }

    @Test
    void thePublishFormRoundTrips() {
        connect("page-form");
        browser.type("#p-topic", "page-form");
        browser.type("#p-type", "comment");
        browser.type("#p-data", "{\"text\": ");
        assertTrue(browser.text("#p-data-error").startsWith("Not valid JSON"));
        assertEquals("true", browser.find("#p-data").getAttribute("aria-invalid"));
        assertTrue(!browser.find("#p-submit").isEnabled());

        browser.type("#p-data", "{\"text\": \"from the form\"}");
        assertEquals("", browser.text("#p-data-error"));
        browser.find("#p-submit").click();
        browser.await("a refusal without a token", d -> browser.text("#p-result").startsWith("401 unauthorized"));

        browser.type("#p-token", Tokens.publisher());
        browser.find("#p-token").sendKeys(Keys.ENTER); // the keyboard alone publishes too
        String id = browser.await("the publish answer", d -> browser.text("#p-result").startsWith("Published as ")
                ? browser.text("#p-result").substring("Published as ".length()) : null);
        awaitRow(id);
        String row = browser.find("#log tr[data-id='" + id + "']").getText();
        assertTrue(row.contains("comment") && row.contains("from the form"), row);
    }

    @Test
    void anEventPublishedWithRetainGreetsTheNextVisitWithABadge() {
        connect("page-retain");
        browser.type("#p-topic", "page-retain");
        browser.type("#p-data", "{\"state\": \"on\"}");
        browser.type("#p-token", Tokens.publisher());
        browser.find("#p-retain").click();
        browser.find("#p-submit").click();
        String id = browser.await("the publish answer", d -> browser.text("#p-result").startsWith("Published as ")
                ? browser.text("#p-result").substring("Published as ".length()) : null);
        awaitRow(id);
        assertEquals("", browser.find("#log tr[data-id='" + id + "']").getAttribute("class"), "live, not retained");

        browser.script("sessionStorage.removeItem('herald.lastEventId')"); // a first visit: no position to resume from
        browser.driver.navigate().refresh();
        awaitOpen();
        awaitRow(id);

        assertEquals("retained", browser.find("#log tr[data-id='" + id + "']").getAttribute("class"));
        assertTrue(browser.find("#log tr[data-id='" + id + "']").getText().contains("retained"));
    }

    @Test
    void fitsAPhoneWidthScreen() {
        connect("page-phone");
        browser.driver.manage().window().setSize(new Dimension(390, 844));
        browser.await("a one-column layout", d -> (Boolean) browser.script(
                "return document.documentElement.scrollWidth <= window.innerWidth"));
        Map<?, ?> boxes = (Map<?, ?>) browser.script("const box = id => document.getElementById(id).getBoundingClientRect();"
                + "return {log: box('log-wrap').left, publish: box('publish').left, width: window.innerWidth}");
        assertEquals(((Number) boxes.get("log")).doubleValue(), ((Number) boxes.get("publish")).doubleValue(), 40.0,
                "log and publish form stacked: " + boxes);
    }
}
