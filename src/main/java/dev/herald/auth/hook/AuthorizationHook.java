package dev.herald.auth.hook;

import dev.herald.config.HeraldConfig;
import dev.herald.threads.OwnedThreads;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * The application's authorization hook ({@code herald.auth.hook-url}): asks it who a cookie is, at most
 * {@code herald.auth.hook-concurrency} calls at a time and one per credential (streams with the same cookie wait for
 * the same answer), each cut at {@code herald.auth.hook-timeout-ms}, and keeps the answers ({@link HookCache}). The
 * one owner of the cache, the calls in flight and the threads that make them; logs an outage once, and its end.
 */
public final class AuthorizationHook implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AuthorizationHook.class.getName());
    /** Idle call threads end after this, so a node whose hook is rarely asked holds none. */
    private static final long IDLE_THREAD_SECONDS = 30;

    private final String url;
    private final int timeoutMs;
    private final int concurrency;
    private final HookClient client;
    private final HookCache cache;
    private final Semaphore permits;
    private final Map<String, CompletableFuture<HookAnswer>> inFlight = new ConcurrentHashMap<>();
    private final OwnedThreads callThreads = new OwnedThreads("herald-hook");
    private final OwnedThreads timerThreads = new OwnedThreads("herald-hook-timer");
    private final ThreadPoolExecutor calls;
    private final ScheduledThreadPoolExecutor timer;
    private final AtomicBoolean down = new AtomicBoolean();

    public AuthorizationHook(HeraldConfig.Hook config, Clock clock) {
        this.url = config.url();
        this.timeoutMs = config.timeoutMs();
        this.concurrency = config.concurrency();
        this.client = new HookClient(config.url(), config.timeoutMs(), clock);
        this.cache = new HookCache(clock, config.cacheSeconds());
        this.permits = new Semaphore(config.concurrency());
        // never more tasks than permits, so the queue holds at most a task that a finishing thread is about to take
        this.calls = new ThreadPoolExecutor(config.concurrency(), config.concurrency(), IDLE_THREAD_SECONDS,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), callThreads);
        calls.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, timerThreads);
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer.setKeepAliveTime(IDLE_THREAD_SECONDS, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
    }

    /**
     * What the hook says of {@code cookie} (the request's whole {@code Cookie} header), asking about {@code topics}:
     * at once when an answer is kept, else when the call in flight for this cookie, or a new one, ends. Never fails:
     * a call that cannot be made completes {@code UNAVAILABLE} or {@code BUSY}.
     */
    public CompletableFuture<HookAnswer> ask(String cookie, List<String> topics) {
        String credential = credential(cookie);
        HookAnswer kept = cache.get(credential);
        if (kept != null) {
            return CompletableFuture.completedFuture(kept);
        }
        CompletableFuture<HookAnswer> mine = new CompletableFuture<>();
        CompletableFuture<HookAnswer> running = inFlight.putIfAbsent(credential, mine);
        if (running != null) {
            return running;
        }
        // read before the cache is looked at again, so that a purge from here on keeps this call's answer out
        long mark = cache.mark();
        kept = cache.get(credential);
        if (kept != null || !permits.tryAcquire()) {
            // a call for this credential ended between the two looks; or no call can be made now
            inFlight.remove(credential, mine);
            mine.complete(kept != null ? kept : HookAnswer.of(HookAnswer.Kind.BUSY, "Herald has its maximum of "
                    + concurrency + " calls to the hook in flight"));
            return mine;
        }
        try {
            calls.execute(() -> call(credential, cookie, topics, mine, mark));
        } catch (RejectedExecutionException e) {
            permits.release();
            inFlight.remove(credential, mine);
            mine.complete(HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "Herald is stopping"));
        }
        return mine;
    }

    /** Forgets the answers about {@code subject}: its streams were ended, so its next stream asks again. */
    public void purge(String subject) {
        cache.purge(subject);
    }

    /**
     * Makes one call. The answer is kept and the call forgotten before the waiting streams hear it, so that a stream
     * arriving once they have finds the answer kept, or asks anew: never a call that already ended. At the deadline
     * the watchdog answers the waiting streams and cuts the connection, which ends the call soon after.
     */
    private void call(String credential, String cookie, List<String> topics, CompletableFuture<HookAnswer> answer,
            long mark) {
        AtomicReference<HttpURLConnection> connection = new AtomicReference<>();
        HookAnswer given = HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "the call ended without an answer");
        ScheduledFuture<?> watchdog = null;
        try {
            watchdog = timer.schedule(() -> {
                answer.complete(HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "no answer within " + timeoutMs + " ms"));
                HttpURLConnection open = connection.get();
                if (open != null) {
                    // unblocks the call's read, so its thread and permit come back now
                    open.disconnect();
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
            given = client.ask(cookie, topics, connection::set);
        } catch (RuntimeException e) {
            given = HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "the call failed: " + e);
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            if (answer.isDone()) {
                // the watchdog spoke first: its answer is the one the streams got
                given = answer.join();
            }
            cache.put(credential, given, mark);
            inFlight.remove(credential, answer);
            permits.release();
            answer.complete(given);
            report(given);
        }
    }

    private void report(HookAnswer answer) {
        if (answer.isApplicationsWord()) {
            if (down.compareAndSet(true, false)) {
                LOG.info(() -> "the authorization hook " + url + " answers again");
            }
        } else if (answer.kind() == HookAnswer.Kind.UNAVAILABLE && down.compareAndSet(false, true)) {
            LOG.warning("the authorization hook " + url + " grants nothing: " + answer.reason()
                    + "; streams that need it get 503 hook_unavailable until it answers (logged once per outage)");
        }
    }

    /** The cache's key: a hash, so that no cookie is kept in memory longer than its call. */
    static String credential(String cookie) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(cookie.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** How long a client should wait before it tries again after a 503 of the hook. */
    public int retryAfterSeconds(HookAnswer answer) {
        return answer.kind() == HookAnswer.Kind.BUSY ? 1 : Math.max(1, (timeoutMs + 999) / 1000) + 1;
    }

    /**
     * Lets the calls in flight end (each within the timeout: the watchdogs still run), then stops the watchdogs, and
     * waits for every thread, so that none outlives the WAR.
     */
    @Override
    public void close() {
        callThreads.shutDownAndJoin(calls, Duration.ofMillis(2L * timeoutMs + 1000));
        inFlight.values().forEach(waiting -> waiting.complete(HookAnswer.of(HookAnswer.Kind.UNAVAILABLE,
                "Herald is stopping")));
        timerThreads.shutDownAndJoin(timer, Duration.ofSeconds(2));
    }

    int cachedAnswers() {
        return cache.size();
    }
}
