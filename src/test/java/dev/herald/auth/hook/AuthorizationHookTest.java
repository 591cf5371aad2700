package dev.herald.auth.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.herald.MovableClock;
import dev.herald.config.HeraldConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hook against a real JDK HTTP server on 127.0.0.1, whose answer each test scripts. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AuthorizationHookTest {

    private static final String GRANT = "{\"sub\":\"alice\",\"subscribe\":[\"user/alice\"],\"expiresIn\":10}";

    /** What the server does with a call. */
    interface Script {
        void answer(HttpExchange exchange) throws Exception;
    }

    private HttpServer server;
    private ExecutorService serverThreads;
    private volatile Script script = exchange -> send(exchange, 200, GRANT);
    private final Queue<HttpExchange> calls = new ConcurrentLinkedQueue<>();
    /** Released at the end of every test, so that no scripted wait outlives it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final MovableClock clock = new MovableClock();
    private final List<AuthorizationHook> hooks = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/", exchange -> {
            calls.add(exchange);
            try {
                script.answer(exchange);
            } catch (Exception e) {
                exchange.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        hooks.forEach(AuthorizationHook::close);
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private AuthorizationHook hook(int timeoutMs, int concurrency, int cacheSeconds) {
        AuthorizationHook hook = new AuthorizationHook(new HeraldConfig.Hook(url("/session?app=1"), timeoutMs,
                concurrency, cacheSeconds), clock);
        hooks.add(hook);
        return hook;
    }

    private AuthorizationHook hook() {
        return hook(2000, 4, 30);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static HookAnswer answer(CompletableFuture<HookAnswer> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    @Test
    void asksWithTheTopicsAndTheCookieOnlyAndGrantsTheAnswer() throws Exception {
        HookAnswer answer = answer(hook().ask("a=1; session=s1", List.of("user/alice", "a b&c")));

        assertEquals(HookAnswer.Kind.GRANTED, answer.kind(), answer.reason());
        assertEquals("alice", answer.grants().subject());
        assertEquals(clock.instant().plusSeconds(10), answer.grants().expiresAt());
        HttpExchange call = calls.peek();
        assertEquals("app=1&topic=user%2Falice&topic=a+b%26c", call.getRequestURI().getRawQuery());
        assertEquals("GET", call.getRequestMethod());
        assertEquals(List.of("a=1; session=s1"), call.getRequestHeaders().get("Cookie"));
    }

    @Test
    void refusalsAreMirroredAndEveryOtherAnswerGrantsNothing() throws Exception {
        script = exchange -> send(exchange, 401, "");
        assertEquals(HookAnswer.Kind.UNAUTHORIZED, answer(hook().ask("c401", List.of("t"))).kind());
        script = exchange -> send(exchange, 403, "");
        assertEquals(HookAnswer.Kind.FORBIDDEN, answer(hook().ask("c403", List.of("t"))).kind());
        script = exchange -> send(exchange, 500, GRANT);
        assertEquals(HookAnswer.Kind.UNAVAILABLE, answer(hook().ask("c500", List.of("t"))).kind());
        script = exchange -> send(exchange, 200, "<html>");
        assertEquals(HookAnswer.Kind.UNAVAILABLE, answer(hook().ask("garbage", List.of("t"))).kind());
        script = exchange -> send(exchange, 200, "{\"sub\":\"a\",\"subscribe\":[\"" + "x".repeat(17 * 1024)
                + "\"],\"expiresIn\":10}");
        HookAnswer huge = answer(hook().ask("huge", List.of("t")));
        assertEquals(HookAnswer.Kind.UNAVAILABLE, huge.kind());
        assertTrue(huge.reason().contains("16384"), huge.reason());
    }

    @Test
    void aRedirectIsNeverFollowed() throws Exception {
        script = exchange -> {
            if (exchange.getRequestURI().getPath().equals("/elsewhere")) {
                send(exchange, 200, GRANT);
            } else {
                exchange.getResponseHeaders().add("Location", url("/elsewhere"));
                send(exchange, 302, "");
            }
        };
        HookAnswer answer = answer(hook().ask("redirected", List.of("t")));

        assertEquals(HookAnswer.Kind.UNAVAILABLE, answer.kind());
        assertTrue(answer.reason().contains("302"), answer.reason());
        assertEquals(1, calls.size());
    }

    @Test
    void aHookSlowerThanTheTimeoutGrantsNothingAndItsCallIsCut() throws Exception {
        script = exchange -> {
            release.await();
            send(exchange, 200, GRANT);
        };
        AuthorizationHook hook = hook(300, 1, 30);
        HookAnswer answer = answer(hook.ask("slow", List.of("t")));

        assertEquals(HookAnswer.Kind.UNAVAILABLE, answer.kind());
        assertTrue(answer.reason().contains("300 ms"), answer.reason());
        // the cut call gave its permit back: with a concurrency of 1, another credential is asked, not refused busy
        script = exchange -> send(exchange, 200, GRANT);
        HookAnswer next = answer;
        for (int tries = 0; tries < 200 && next.kind() != HookAnswer.Kind.GRANTED; tries++) {
            // the permit comes back a moment after the answer: poll, with an end
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            next = answer(hook.ask("next-" + tries, List.of("t")));
        }
        assertEquals(HookAnswer.Kind.GRANTED, next.kind(), next.reason());
    }

    /** Latches of a hook that grants only when told to: {@code called} once it is asked, then {@code answerNow}. */
    private record HeldAnswer(CountDownLatch called, CountDownLatch answerNow) {
    }

    /** From now on the hook holds each call until the test counts {@code answerNow} down, then grants. */
    private HeldAnswer holdAnswers() {
        HeldAnswer held = new HeldAnswer(new CountDownLatch(1), new CountDownLatch(1));
        script = exchange -> {
            held.called().countDown();
            held.answerNow().await();
            send(exchange, 200, GRANT);
        };
        return held;
    }

    @Test
    void streamsWithTheSameCookieWaitForOneCall() throws Exception {
        HeldAnswer held = holdAnswers();
        CountDownLatch called = held.called();
        CountDownLatch answerNow = held.answerNow();
        AuthorizationHook hook = hook();
        List<CompletableFuture<HookAnswer>> waiting = new ArrayList<>();
        waiting.add(hook.ask("same", List.of("t")));
        assertTrue(called.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 20; i++) {
            waiting.add(hook.ask("same", List.of("t")));
        }
        assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone));
        answerNow.countDown();
        for (CompletableFuture<HookAnswer> each : waiting) {
            assertEquals(HookAnswer.Kind.GRANTED, answer(each).kind());
        }
        assertEquals(1, calls.size());
        assertTrue(hook.ask("same", List.of("t")).isDone(), "kept afterwards");
    }

    @Test
    void pastTheConcurrencyNewCredentialsAreBusyAtOnce() throws Exception {
        CountDownLatch bothCalled = new CountDownLatch(2);
        script = exchange -> {
            bothCalled.countDown();
            release.await();
            send(exchange, 200, GRANT);
        };
        AuthorizationHook hook = hook(10_000, 2, 30);
        CompletableFuture<HookAnswer> first = hook.ask("one", List.of("t"));
        CompletableFuture<HookAnswer> second = hook.ask("two", List.of("t"));
        assertTrue(bothCalled.await(10, TimeUnit.SECONDS));

        CompletableFuture<HookAnswer> third = hook.ask("three", List.of("t"));
        assertTrue(third.isDone());
        assertEquals(HookAnswer.Kind.BUSY, third.join().kind());
        assertFalse(first.isDone() || second.isDone());
        assertEquals(2, calls.size());
    }

    @Test
    void anAnswerIsKeptForTheShorterOfExpiresInAndTheCacheTime() throws Exception {
        AuthorizationHook hook = hook(2000, 4, 30);
        answer(hook.ask("kept", List.of("t")));
        clock.move(Duration.ofSeconds(9));
        assertEquals(HookAnswer.Kind.GRANTED, answer(hook.ask("kept", List.of("t"))).kind());
        assertEquals(1, calls.size(), "expiresIn 10 s: kept for 9");
        clock.move(Duration.ofSeconds(1));
        answer(hook.ask("kept", List.of("t")));
        assertEquals(2, calls.size(), "asked again when expiresIn passed");

        AuthorizationHook shortCache = hook(2000, 4, 3);
        answer(shortCache.ask("short", List.of("t")));
        clock.move(Duration.ofSeconds(3));
        answer(shortCache.ask("short", List.of("t")));
        assertEquals(4, calls.size(), "herald.auth.hook-cache-seconds 3: asked again after 3 s");
    }

    @Test
    void a401IsKeptBrieflyAndA403OrAFailureNot() throws Exception {
        AuthorizationHook hook = hook();
        script = exchange -> send(exchange, 401, "");
        answer(hook.ask("anonymous", List.of("t")));
        answer(hook.ask("anonymous", List.of("t")));
        assertEquals(1, calls.size());
        clock.move(Duration.ofSeconds(HookCache.UNAUTHORIZED_SECONDS));
        answer(hook.ask("anonymous", List.of("t")));
        assertEquals(2, calls.size());

        script = exchange -> send(exchange, 403, "");
        answer(hook.ask("forbidden", List.of("t")));
        answer(hook.ask("forbidden", List.of("t")));
        script = exchange -> send(exchange, 500, "");
        answer(hook.ask("failing", List.of("t")));
        answer(hook.ask("failing", List.of("t")));
        assertEquals(6, calls.size());
    }

    @Test
    void purgingASubjectForgetsItsAnswersEvenOneInFlight() throws Exception {
        AuthorizationHook hook = hook();
        answer(hook.ask("alice-phone", List.of("t")));
        hook.purge("bob");
        answer(hook.ask("alice-phone", List.of("t")));
        assertEquals(1, calls.size(), "another subject's purge keeps alice's answer");
        hook.purge("alice");
        answer(hook.ask("alice-phone", List.of("t")));
        assertEquals(2, calls.size());

        HeldAnswer held = holdAnswers();
        CountDownLatch called = held.called();
        CountDownLatch answerNow = held.answerNow();
        CompletableFuture<HookAnswer> inFlight = hook.ask("alice-laptop", List.of("t"));
        assertTrue(called.await(10, TimeUnit.SECONDS));
        hook.purge("alice");
        answerNow.countDown();
        assertEquals(HookAnswer.Kind.GRANTED, answer(inFlight).kind(), "the waiting stream still gets its answer");
        script = exchange -> send(exchange, 200, GRANT);
        answer(hook.ask("alice-laptop", List.of("t")));
        assertEquals(4, calls.size(), "but it was not kept");
    }

    @Test
    void theCacheKeysAHashNeverTheCookie() {
        String key = AuthorizationHook.credential("session=secret-value");
        assertFalse(key.contains("secret"));
        assertEquals(43, key.length(), "SHA-256, base64url without padding");
        assertSame(key.getClass(), String.class);
    }

    @Test
    void theCacheDropsItsOldestEntryPastItsBound() {
        HookCache cache = new HookCache(clock, 30);
        HookAnswer granted = HookAnswer.granted(new dev.herald.auth.Grants(List.of(), List.of(), "s",
                clock.instant().plusSeconds(60)));
        for (int i = 0; i <= HookCache.MAX_ENTRIES; i++) {
            cache.put("k" + i, granted, cache.mark());
        }
        assertEquals(HookCache.MAX_ENTRIES, cache.size());
        assertEquals(null, cache.get("k0"));
        assertSame(granted, cache.get("k" + HookCache.MAX_ENTRIES));
    }

    @Test
    void aJvmWideCookieHandlerStopsTheCallsRatherThanMixUsersCookies() throws Exception {
        java.net.CookieHandler.setDefault(new java.net.CookieManager());
        try {
            HookAnswer answer = answer(hook().ask("session=s", List.of("t")));
            assertEquals(HookAnswer.Kind.UNAVAILABLE, answer.kind());
            assertTrue(answer.reason().contains("CookieHandler"), answer.reason());
            assertTrue(calls.isEmpty());
        } finally {
            java.net.CookieHandler.setDefault(null);
        }
    }

}
