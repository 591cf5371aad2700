package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.hookapp.HookServlet;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The application's own session decides who listens: a second WAR, {@code /app} (src/test/java/dev/herald/hookapp),
 * logs users in with the container's login and answers Herald's authorization hook from its session; Herald, as
 * {@code /herald-hook} in the same Tomcat, asks it for streams without a token. Tomcat only: the Payara Micro adapter
 * runs one WAR per server (see README, "Payara and the hook").
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HookTomcatIT {

    private static final String HERALD = "herald-hook";
    private static final String APP = "app";
    private static final String PORT = System.getProperty("it.tomcat.http.port", "18080");
    /** Sessions and streams per session of the reconnect storm. */
    private static final int SESSIONS = 50;
    private static final int STREAMS_PER_SESSION = 10;

    private static Browser browser;

    @ArquillianResource
    @OperateOnDeployment(HERALD)
    private URL deployment;

    @ArquillianResource
    @OperateOnDeployment(APP)
    private URL appDeployment;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private ExecutorService readers;
    private Api api;
    private URI app;

    /**
     * Herald asking the application at {@code /app/hook}, giving up after 2 s; {@code user/*} private; room for the
     * storm's 500 streams from one address.
     */
    @Deployment(name = HERALD, testable = false, order = 1)
    static WebArchive herald() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("herald.auth.hook-url", "http://127.0.0.1:" + PORT + "/app/hook");
        // the default, said here as the slow hook outlasts it: the test machine is shared, and a shorter wait
        // refuses streams of a healthy hook during the storm
        settings.put("herald.auth.hook-timeout-ms", "2000");
        settings.put("herald.topics.private", "user/*");
        settings.put("herald.limits.connections-per-address", "2000");
        return BuiltWar.configured(HERALD, settings);
    }

    /** The application, built from the test classes: three servlets and a web.xml whose session cookie has path /. */
    @Deployment(name = APP, testable = false, order = 2)
    static WebArchive app() {
        return ShrinkWrap.create(WebArchive.class, APP + ".war").addPackage(HookServlet.class.getPackage())
                .setWebXML("hookapp/web.xml");
    }

    @BeforeAll
    static void startBrowser() {
        browser = Browser.startIfInstalled();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    @BeforeEach
    void connect() throws Exception {
        readers = Executors.newCachedThreadPool();
        api = new Api(deployment, readers);
        app = URI.create(appDeployment.toExternalForm().replaceAll("/?$", "/"));
        assertEquals(204, control("POST", "mode?m=normal").statusCode());
        // the hook's first call loads its servlet: not a test of Herald's patience
        assertEquals(401, control("GET", "hook").statusCode());
        assertEquals(204, control("DELETE", "calls").statusCode());
    }

    @AfterEach
    void disconnect() throws Exception {
        control("POST", "mode?m=normal");
        readers.shutdownNow();
        readers.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void aBrowserLoggedIntoTheApplicationListensWithItsSessionUntilLogoutAndEndingItsSubject() throws Exception {
        Browser.assumeInstalled();
        browser.driver.manage().deleteAllCookies();
        browser.driver.get(app.resolve("calls").toString());
        Object login = browser.driver.executeAsyncScript("const done = arguments[0];"
                + "fetch('login', { method: 'POST', body: new URLSearchParams({ user: 'alice', password: 'alice-password' }) })"
                + ".then(r => done(r.status), e => done(String(e)));");
        assertEquals(200L, login);
        Object opened = browser.driver.executeAsyncScript("const done = arguments[1];"
                + "window.seen = { events: [], readies: 0, closed: false };"
                + "const es = new EventSource(arguments[0]); window.es = es;"
                + "es.addEventListener('ready', () => { if (++seen.readies === 1) done('ready'); });"
                + "es.onmessage = e => seen.events.push(e.data);"
                + "es.onerror = () => { if (es.readyState === EventSource.CLOSED) { seen.closed = true; done('closed'); } };",
                api.uri("api/events?topic=user/alice").toString());
        assertEquals("ready", opened, "the stream opened with the session cookie alone");
        assertEquals(1, calls(), "the hook was asked once");

        api.publish("user/alice", "{\"n\":1}");

        assertEquals(List.of("{\"n\":1}"), browser.await("alice's event",
                d -> browser.script("return seen.events.length ? seen.events : null")));

        assertEquals(204L, browser.driver.executeAsyncScript("const done = arguments[0];"
                + "fetch('logout', { method: 'POST' }).then(r => done(r.status), e => done(String(e)));"));
        control("DELETE", "calls");
        HttpResponse<String> ended = api.delete("api/clients?sub=alice", admin());
        assertEquals("{\"ended\":1}", ended.body());

        assertEquals(Boolean.TRUE, browser.await("the reconnect refused", d -> browser.script("return seen.closed || null")));
        assertEquals(1L, browser.script("return seen.readies"), "no second stream");
        assertTrue(calls() >= 1, "the purged answer was asked for again");
        String staleCookie = "JSESSIONID=" + browser.driver.manage().getCookieNamed("JSESSIONID").getValue();
        assertEquals(401, listen("user/alice", staleCookie).statusCode());
    }

    @Test
    void anAnonymousBrowserIsRefused() throws Exception {
        Browser.assumeInstalled();
        browser.driver.manage().deleteAllCookies();
        browser.driver.get(app.resolve("calls").toString());
        Object outcome = browser.driver.executeAsyncScript("const done = arguments[1];"
                + "const es = new EventSource(arguments[0]);"
                + "es.addEventListener('ready', () => { es.close(); done('ready'); });"
                + "es.onerror = () => { if (es.readyState === EventSource.CLOSED) done('closed'); };",
                api.uri("api/events?topic=user/alice").toString());

        assertEquals("closed", outcome);
        HttpResponse<String> refused = listen("user/alice", null);
        assertEquals(401, refused.statusCode(), refused.body());
        assertTrue(refused.body().startsWith("{\"error\":\""), refused.body());
    }

    @Test
    void aHookThatIsSlowDownOrAnswersGarbageARedirectOrAHugeBodyGrantsNothing() throws Exception {
        for (String mode : List.of("slow", "down", "garbage", "redirect", "huge", "wrong-types")) {
            String cookie = login("bob");
            assertEquals(204, control("POST", "mode?m=" + mode).statusCode());
            control("DELETE", "calls");

            HttpResponse<String> refused = listen("user/bob", cookie);

            assertEquals(503, refused.statusCode(), mode + ": " + refused.body());
            assertTrue(refused.body().startsWith("{\"error\":\"hook_unavailable\""), mode + ": " + refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent(), mode);
            assertEquals(1, calls(), mode + ": asked once, and a redirect not followed");
        }
    }

    @Test
    void fiveHundredStreamsWithFiftyCookiesMakeAtMostFiftyHookCalls() throws Exception {
        List<String> cookies = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            cookies.add(login("bob"));
        }
        control("DELETE", "calls");
        ExecutorService openers = Executors.newFixedThreadPool(100);
        // every stream opened, whatever happens next, so that all are closed
        List<SseStream> streams = Collections.synchronizedList(new ArrayList<>());
        List<Future<SseStream>> opening = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try {
            // round robin: the streams of one cookie arrive together, as after a restart
            for (int i = 0; i < SESSIONS * STREAMS_PER_SESSION; i++) {
                String cookie = cookies.get(i % SESSIONS);
                opening.add(openers.submit(() -> {
                    start.await();
                    SseStream stream = api.stream("topic=user/bob", Map.of(Api.NO_TOKEN, "", "Cookie", cookie));
                    streams.add(stream);
                    return stream;
                }));
            }
            start.countDown();
            for (Future<SseStream> next : opening) {
                SseStream stream = next.get(60, TimeUnit.SECONDS);
                assertEquals(200, stream.status(), "every stream admitted");
                stream.ready();
            }

            int calls = calls();
            assertTrue(calls <= SESSIONS, calls + " hook calls for " + SESSIONS + " cookies");
        } finally {
            openers.shutdownNow();
            openers.awaitTermination(10, TimeUnit.SECONDS);
            synchronized (streams) {
                for (SseStream stream : streams) {
                    stream.close();
                }
            }
        }
    }

    @Test
    void publicStreamsNeverAskTheHook() throws Exception {
        String cookie = login("bob");
        control("DELETE", "calls");

        try (SseStream withSession = api.stream("topic=news", Map.of(Api.NO_TOKEN, "", "Cookie", cookie));
                SseStream anonymous = api.stream("topic=news&topic=desk/*", Map.of(Api.NO_TOKEN, ""))) {
            withSession.ready();
            anonymous.ready();
        }

        assertEquals(0, calls());
    }

    /** Logs {@code user} into the application, and gives the cookie header that carries the new session. */
    private String login(String user) throws Exception {
        String form = "user=" + user + "&password=" + URLEncoder.encode(user + "-password", StandardCharsets.UTF_8);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(app.resolve("login"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.contains("Path=/;") || setCookie.endsWith("Path=/"), setCookie);
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    /** A stream request with {@code cookie} (if not null) and no token, answered before any event is read. */
    private HttpResponse<String> listen(String topic, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.uri("api/events?topic=" + topic))
                .timeout(Duration.ofSeconds(10)).header("Accept", "text/event-stream");
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        HttpResponse<String> response = ApiDescription.checked(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        assertTrue(response.statusCode() != 200, "a refusal, not a stream");
        return response;
    }

    private HttpResponse<String> control(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(app.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int calls() throws Exception {
        return Integer.parseInt(control("GET", "calls").body().trim());
    }

    private static String admin() {
        return Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops", Instant.now().plusSeconds(600), null);
    }
}
