package dev.herald.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.herald.config.HeraldConfig;
import dev.herald.threads.OwnedThreads;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one owner of an identity provider's public keys: what Herald holds ({@link State}), when it last asked, and
 * the thread {@code herald-keys} that asks again every {@code herald.jwt.jwks-refresh-seconds}. Tokens are checked
 * against the keys held; a token naming a {@code kid} Herald does not hold makes it ask again at once, but at most
 * once per {@link #REFETCH_FLOOR}, so forged kids cannot make Herald hammer the provider. Keys held stay in use
 * while the provider is down. Started by the composition root after everything else, closed at undeploy.
 */
public final class ProviderKeys implements JWKSource<SecurityContext>, AutoCloseable {

    /** The least time between two fetches asked for by tokens: one fetch per 10 s whatever clients send. */
    static final Duration REFETCH_FLOOR = Duration.ofSeconds(10);
    /** A request waits for a fetch under way at most this: the fetch's own bounds, and a little. */
    private static final Duration WAIT_FOR_FETCH = Duration.ofMillis(
            2L * (KeyFetcher.CONNECT_TIMEOUT_MS + KeyFetcher.READ_TIMEOUT_MS) + 1000);
    private static final Logger LOG = Logger.getLogger(ProviderKeys.class.getName());

    /** What Herald holds of the provider's keys, one of three states. */
    public sealed interface State {

        /** The keys to check tokens with: none before the first fetch, the last ones while the provider is down. */
        JWKSet keys();
    }

    /** Herald has started and not yet heard from the provider. */
    public record NotFetched() implements State {
        @Override
        public JWKSet keys() {
            return null;
        }
    }

    /** The provider answered the last fetch, with these keys. */
    public record Held(JWKSet keys, Instant fetchedAt) implements State {
    }

    /**
     * The last fetch failed ({@code reason}), and every one since {@code since}; {@code keys} are those of the last
     * fetch that succeeded, still in use, or null when none ever did.
     */
    public record Down(JWKSet keys, Instant since, String reason) implements State {
    }

    /** The state, when it was last asked for (null: never), and how many fetches were attempted. */
    private record Snapshot(State state, Instant lastAttempt, long attempts) {
    }

    private final KeyFetcher fetcher;
    private final Clock clock;
    private final Duration refresh;
    /** One fetch at a time; requests that find one under way wait for it instead of starting another. */
    private final ReentrantLock fetching = new ReentrantLock();
    private final OwnedThreads threads = new OwnedThreads("herald-keys");
    private volatile Snapshot snapshot = new Snapshot(new NotFetched(), null, 0);
    private ScheduledExecutorService executor;

    ProviderKeys(KeyFetcher fetcher, Clock clock, Duration refresh) {
        this.fetcher = fetcher;
        this.clock = clock;
        this.refresh = refresh;
    }

    /** The provider's keys as the configuration names them, not yet fetched; null when it names no provider. */
    public static ProviderKeys of(HeraldConfig config) {
        HeraldConfig.Jwt jwt = config.jwt();
        if (!jwt.hasProvider()) {
            return null;
        }
        return new ProviderKeys(new KeyFetcher(jwt.jwksUri(), jwt.issuer()), Clock.systemUTC(),
                Duration.ofSeconds(jwt.jwksRefreshSeconds()));
    }

    /**
     * Fetches the keys now on {@code herald-keys}, and again every refresh period. Returns at once: a provider that
     * is down when Herald starts must not stop or slow the deployment.
     */
    public synchronized void start() {
        executor = Executors.newSingleThreadScheduledExecutor(threads);
        executor.scheduleWithFixedDelay(this::refresh, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The state now. */
    public State state() {
        return snapshot.state();
    }

    /** For readiness: UP when the last fetch succeeded, else DOWN with why and since when. */
    public Map<String, Object> health() {
        State state = snapshot.state();
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("status", state instanceof Held ? "UP" : "DOWN");
        health.put("uri", fetcher.describe());
        if (state.keys() != null) {
            health.put("keys", state.keys().size());
        }
        if (state instanceof Held held) {
            health.put("fetchedAt", held.fetchedAt().toString());
        } else if (state instanceof Down down) {
            health.put("since", down.since().toString());
            health.put("reason", down.reason());
        } else {
            health.put("reason", "not fetched yet");
        }
        return health;
    }

    /**
     * The keys {@code selector} matches. None held, or none with the token's {@code kid}: fetches again unless the
     * last attempt is under {@link #REFETCH_FLOOR} old. An empty answer means the provider, asked just now, has no
     * such key (a 401); {@link KeysUnavailableException} that Herald could not find out (a 503).
     */
    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeysUnavailableException {
        Snapshot seen = snapshot;
        List<JWK> found = select(selector, seen);
        Set<String> kids = selector.getMatcher().getKeyIDs();
        boolean namesAKey = kids != null && !kids.isEmpty();
        if (!found.isEmpty() || (seen.state().keys() != null && !namesAKey)
                || askedSinceIssued(seen, context)) {
            return found;
        }
        Snapshot after = fetchUnlessRecent(seen);
        found = select(selector, after);
        if (!found.isEmpty() || after.state() instanceof Held) {
            return found;
        }
        throw unavailable(after);
    }

    /**
     * Whether the keys held were fetched after the token was issued (with the clock skew): a provider signs only with
     * keys it publishes, so a kid missing from that answer is not a key too new for Herald but one removed or never
     * the provider's. Such a token is a 401 at once, without a fetch or a 503, whenever the last fetch was.
     */
    private static boolean askedSinceIssued(Snapshot seen, SecurityContext context) {
        return context instanceof TokenIssued issued && issued.at() != null && seen.state() instanceof Held held
                && held.fetchedAt().isAfter(issued.at().plusSeconds(TokenVerifier.CLOCK_SKEW_SECONDS));
    }

    /**
     * What the key look-up knows of the token: its {@code iat} (unverified, null when absent), which only ever
     * turns a look-up into a refusal ({@link #askedSinceIssued}), never into an acceptance.
     */
    public record TokenIssued(Instant at) implements SecurityContext {
    }

    private static List<JWK> select(JWKSelector selector, Snapshot snapshot) {
        JWKSet keys = snapshot.state().keys();
        return keys == null ? List.of() : selector.select(keys);
    }

    /** The state after a fetch: this caller's, or the one another thread made since {@code seen}. */
    private Snapshot fetchUnlessRecent(Snapshot seen) throws KeysUnavailableException {
        try {
            if (!fetching.tryLock(WAIT_FOR_FETCH.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new KeysUnavailableException("the provider's keys are being fetched", 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeysUnavailableException("interrupted while the provider's keys were fetched", 1);
        }
        try {
            Snapshot now = snapshot;
            if (now.attempts() != seen.attempts()) {
                return now;
            }
            if (waitLeft(now).compareTo(Duration.ZERO) > 0) {
                throw unavailable(now);
            }
            return fetch();
        } finally {
            fetching.unlock();
        }
    }

    private Duration waitLeft(Snapshot snapshot) {
        if (snapshot.lastAttempt() == null) {
            return Duration.ZERO;
        }
        return REFETCH_FLOOR.minus(Duration.between(snapshot.lastAttempt(), clock.instant()));
    }

    private KeysUnavailableException unavailable(Snapshot snapshot) {
        Duration left = waitLeft(snapshot);
        long seconds = Math.max(1, (left.toMillis() + 999) / 1000);
        String why = snapshot.state() instanceof Down down ? "the identity provider's keys cannot be fetched ("
                + down.reason() + ")" : "the identity provider was asked for its keys less than "
                + REFETCH_FLOOR.toSeconds() + " s ago and did not have this token's key";
        return new KeysUnavailableException(why + "; try again in " + seconds + " s", seconds);
    }

    /** The scheduled fetch (a test's too); never throws, or the executor would stop scheduling it. */
    void refresh() {
        fetching.lock();
        try {
            fetch();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "fetching the identity provider's keys failed unexpectedly", e);
        } finally {
            fetching.unlock();
        }
    }

    /** One fetch, under {@link #fetching}: the new state, and the log line when the provider went down or came back. */
    private Snapshot fetch() {
        Snapshot before = snapshot;
        State next;
        try {
            JWKSet keys = fetcher.fetch();
            next = new Held(keys, clock.instant());
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            Instant since = before.state() instanceof Down down ? down.since() : clock.instant();
            next = new Down(before.state().keys(), since, reason);
        }
        Snapshot after = new Snapshot(next, clock.instant(), before.attempts() + 1);
        snapshot = after;
        report(before.state(), next);
        return after;
    }

    /** Once per outage: WARNING when it starts, INFO when keys come back. */
    private void report(State before, State next) {
        if (next instanceof Down down && !(before instanceof Down)) {
            LOG.warning(() -> "cannot fetch the identity provider's keys from " + fetcher.describe() + ": "
                    + down.reason() + (down.keys() == null ? "; tokens get 503 keys_unavailable until it answers"
                    : "; the " + down.keys().size() + " keys fetched before stay in use")
                    + "; trying again every " + refresh.toSeconds() + " s");
        } else if (next instanceof Held held && before instanceof Down down) {
            LOG.info(() -> "the identity provider's keys are back (" + held.keys().size() + " keys from "
                    + fetcher.describe() + ") after " + Duration.between(down.since(), held.fetchedAt()).toSeconds()
                    + " s");
        } else if (next instanceof Held held && before instanceof NotFetched) {
            LOG.info(() -> "fetched " + held.keys().size() + " keys from " + fetcher.describe());
        } else {
            LOG.fine(() -> "identity provider's keys: " + next);
        }
    }

    /** Stops {@code herald-keys}; a fetch under way ends within its own timeouts. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            threads.join(Duration.ofMillis(KeyFetcher.CONNECT_TIMEOUT_MS + KeyFetcher.READ_TIMEOUT_MS));
        }
    }
}
