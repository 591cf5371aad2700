package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The application's authorization hook, as a JDK HTTP server in this JVM on 127.0.0.1 that knows a session by its
 * cookie {@code session=<name>}: the stream reaches the resource through the asynchronous dispatch on every server,
 * the hook's refusals and failures are Herald's answers, ending a subject makes its next stream ask again, and a
 * stream ends when the hook's {@code expiresIn} passes. (The browser and the real second application are
 * {@code hookapp}'s tests.)
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HookIT {

    static final String HOOKED = "hooked";
    private static HttpServer hook;
    /** Every call the hook got: its query and its headers' names and cookie. */
    private static final Queue<Call> CALLS = new ConcurrentLinkedQueue<>();

    record Call(String query, String cookie, List<String> headerNames) {
    }

    @ArquillianResource
    @OperateOnDeployment(HOOKED)
    private URL herald;

    private ExecutorService readers;
    private Api api;

    @Deployment(name = HOOKED, testable = false)
    static WebArchive war() throws IOException {
        hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/session", HookIT::answer);
        hook.setExecutor(Executors.newFixedThreadPool(4));
        hook.start();
        return BuiltWar.configured(HOOKED, Map.of("herald.auth.hook-url",
                "http://127.0.0.1:" + hook.getAddress().getPort() + "/session?app=it"));
    }

    @AfterAll
    static void stopHook() {
        if (hook != null) {
            hook.stop(0);
        }
    }

    @BeforeEach
    void connect() {
        readers = Executors.newCachedThreadPool();
        api = new Api(herald, readers);
        CALLS.clear();
    }

    @AfterEach
    void disconnect() {
        readers.shutdownNow();
    }

    /** {@code session=<name>}: a user {@code hook-<name>} of {@code user/hook-<name>}, or a scripted failure. */
    private static void answer(HttpExchange exchange) throws IOException {
        String cookie = exchange.getRequestHeaders().getFirst("Cookie");
        CALLS.add(new Call(exchange.getRequestURI().getRawQuery(), cookie,
                exchange.getRequestHeaders().keySet().stream().map(String::toLowerCase).sorted().toList()));
        String session = cookie == null ? "" : cookie.replaceAll(".*session=([a-z0-9]+).*", "$1");
        int expiresIn = session.startsWith("short") ? 2 : 60;
        switch (session) {
            case "nobody" -> send(exchange, 401, "{}");
            case "garbage" -> send(exchange, 200, "<html>not json</html>");
            case "redirect" -> {
                exchange.getResponseHeaders().add("Location", "https://elsewhere.example/");
                send(exchange, 302, "");
            }
            default -> send(exchange, 200, "{\"sub\":\"hook-" + session + "\",\"subscribe\":[\"user/hook-" + session
                    + "\",\"$presence\"],\"expiresIn\":" + expiresIn + "}");
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static Map<String, String> session(String name) {
        return Map.of(Api.NO_TOKEN, "", "Cookie", "theme=dark; session=" + name, "X-Private", "not for the hook");
    }

    private static String admin() {
        return Tokens.signed(Tokens.SECRET, List.of("$admin"), List.of(), "ops", Instant.now().plusSeconds(600), null);
    }

    @Test
    void aSessionTheHookKnowsGetsItsOwnTopicWithOneCallForItsStreams() throws Exception {
        try (SseStream first = api.stream("topic=user/hook-alice&topic=news", session("alice"))) {
            assertEquals(200, first.status(), first.raw());
            first.ready();
            try (SseStream second = api.stream("topic=user/hook-alice", session("alice"))) {
                assertEquals(200, second.status(), second.raw());
                second.ready();
                api.publish("user/hook-alice", "1");
                assertEquals("1", first.await(event -> "message".equals(event.type())).data());
                assertEquals("1", second.await(event -> "message".equals(event.type())).data());
                assertTrue(api.get("api/clients").body().contains("\"sub\":\"hook-alice\""),
                        "the hook's subject is the stream's subject");
            }
        }
        assertEquals(1, CALLS.size(), "the second stream used the kept answer: " + CALLS);
        Call call = CALLS.peek();
        assertEquals("app=it&topic=user%2Fhook-alice&topic=news", call.query());
        assertEquals("theme=dark; session=alice", call.cookie());
        assertTrue(call.headerNames().stream().noneMatch(name -> name.equals("x-private")), call.toString());
    }

    @Test
    void theHooksRefusalsAndFailuresAreHeraldsAnswers() throws Exception {
        HttpResponse<String> unknown = api.get("api/events?topic=user/x", session("nobody"));
        assertEquals(401, unknown.statusCode());
        assertTrue(unknown.body().contains("\"error\":\"unauthorized\""), unknown.body());

        for (String broken : List.of("garbage", "redirect")) {
            HttpResponse<String> unavailable = api.get("api/events?topic=user/x", session(broken));
            assertEquals(503, unavailable.statusCode(), broken);
            assertTrue(unavailable.body().contains("\"error\":\"hook_unavailable\""), unavailable.body());
            assertNotNull(unavailable.headers().firstValue("Retry-After").orElse(null));
        }
        HttpResponse<String> notCovered = api.get("api/events?topic=user/hook-bob", session("carol"));
        assertEquals(403, notCovered.statusCode(), notCovered.body());
        assertEquals(4, CALLS.size(), CALLS.toString());

        CALLS.clear();
        assertEquals(401, api.get("api/events?topic=user/x", Map.of(Api.NO_TOKEN, "")).statusCode(),
                "no cookie: nothing to ask about");
        try (SseStream open = api.stream("topic=news&topic=orders/*", session("dave"))) {
            assertEquals(200, open.status(), "public topics need no hook");
            open.ready();
        }
        assertTrue(CALLS.isEmpty(), CALLS.toString());
    }

    @Test
    void endingTheSubjectPurgesItsAnswerSoItsNextStreamAsksAgain() throws Exception {
        try (SseStream stream = api.stream("topic=user/hook-erin", session("erin"))) {
            assertEquals(200, stream.status());
            stream.ready();
            HttpResponse<String> ended = api.delete("api/clients?sub=hook-erin", admin());
            assertEquals(200, ended.statusCode(), ended.body());
            stream.awaitEnd(10);
        }
        try (SseStream again = api.stream("topic=user/hook-erin", session("erin"))) {
            assertEquals(200, again.status());
            again.ready();
        }
        assertEquals(2, CALLS.size(), "asked again after the purge: " + CALLS);

        assertEquals(200, api.delete("api/clients?sub=hook-erin&for=60", admin()).statusCode());
        HttpResponse<String> blocked = api.get("api/events?topic=user/hook-erin", session("erin"));
        assertEquals(403, blocked.statusCode());
        assertTrue(blocked.body().contains("subject_blocked"), blocked.body());
    }

    @Test
    void aStreamEndsWhenTheHooksExpiresInPassesAndItsWelcomeSaysWhen() throws Exception {
        long before = System.currentTimeMillis();
        try (SseStream stream = api.stream("topic=user/hook-shortfrank", session("shortfrank"))) {
            assertEquals(200, stream.status());
            SseEvent welcome = stream.next();
            long after = System.currentTimeMillis();
            Matcher expiresAt = Pattern.compile(",\"expiresAt\":(\\d+)}$").matcher(welcome.data());
            assertTrue(expiresAt.find(), welcome.data());
            long at = Long.parseLong(expiresAt.group(1));
            // the hook answered expiresIn 2 (s) between the two readings of this machine's clock, which Herald shares
            assertTrue(at >= before + 2000 && at <= after + 2000, before + " < " + at + " < " + after);
            stream.ready();
            stream.awaitEnd(15);
        }
    }

    @Test
    void aForeignOriginIsRefusedBeforeItsCookieReachesTheHook() throws Exception {
        Map<String, String> foreign = new java.util.HashMap<>(session("mallory"));
        foreign.remove(Api.NO_TOKEN);
        foreign.put("Origin", "https://evil.example");
        HttpResponse<String> refused = api.get("api/events?topic=user/hook-mallory", foreign);

        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("origin_not_allowed"), refused.body());
        assertTrue(CALLS.isEmpty(), "the origin check runs before the hook's filter: " + CALLS);
    }
}
