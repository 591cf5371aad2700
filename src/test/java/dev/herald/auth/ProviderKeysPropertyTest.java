package dev.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.herald.MovableClock;
import dev.herald.config.HeraldConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Random runs of a provider's life: keys added and removed, the provider going down and coming back, time
 * passing, scheduled refreshes, and tokens signed with published, removed or never-published keys. Whatever the
 * order: a token whose key is published is never a 401 (accepted, or 503 when Herald could not ask), and is accepted
 * once the provider answers and 10 s have passed since the last fetch; a key never published is never accepted;
 * and tokens never make Herald fetch twice within 10 s.
 */
class ProviderKeysPropertyTest {

    enum Step { ADD_KEY, REMOVE_KEY, DOWN, UP, WAIT_1S, WAIT_5S, WAIT_10S, REFRESH, PUBLISHED_TOKEN, REMOVED_TOKEN,
        FORGED_TOKEN }

    private static final List<String> POOL = List.of("p0", "p1", "p2", "p3");
    private static final JwksServer PROVIDER = startedWithPool();

    private static JwksServer startedWithPool() {
        JwksServer provider = JwksServer.start();
        POOL.forEach(provider::ec);
        return provider;
    }

    @AfterContainer
    static void stopProvider() {
        PROVIDER.close();
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(Step.PUBLISHED_TOKEN, Step.FORGED_TOKEN, Step.REMOVED_TOKEN)),
                Tuple.of(4, Arbitraries.of(Step.WAIT_1S, Step.WAIT_5S, Step.WAIT_10S)),
                Tuple.of(2, Arbitraries.of(Step.ADD_KEY, Step.REMOVE_KEY, Step.REFRESH)),
                Tuple.of(1, Arbitraries.of(Step.DOWN, Step.UP)));
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 200)
    void publishedKeysAreNever401ForgedOnesNeverPassAndTokensFetchAtMostOncePer10s(
            @ForAll("steps") List<Step> steps) throws Exception {
        POOL.forEach(PROVIDER::unpublish);
        PROVIDER.unpublish("rsa-1");
        PROVIDER.unpublish("ec-1");
        PROVIDER.up();
        Set<String> published = new TreeSet<>();
        Set<String> removed = new TreeSet<>();
        publish("p0", published);
        MovableClock clock = new MovableClock();
        HeraldConfig config = HeraldConfig.read(Map.of(HeraldConfig.JWT_JWKS_URI, PROVIDER.jwksUri(),
                HeraldConfig.JWT_AUDIENCE, JwksServer.AUDIENCE)::get);
        ProviderKeys keys = new ProviderKeys(new KeyFetcher(PROVIDER.jwksUri(), null), clock, Duration.ofSeconds(300));
        TokenVerifier verifier = TokenVerifier.of(config, keys);
        boolean up = true;
        Duration sinceFetch = null;
        List<Step> done = new ArrayList<>();
        int forged = 0;
        for (Step step : steps) {
            done.add(step);
            int fetches = PROVIDER.jwksRequests();
            switch (step) {
                case ADD_KEY -> POOL.stream().filter(kid -> !published.contains(kid)).findFirst()
                        .ifPresent(kid -> publish(kid, published));
                case REMOVE_KEY -> published.stream().findFirst().ifPresent(kid -> {
                    PROVIDER.unpublish(kid);
                    published.remove(kid);
                    removed.add(kid);
                });
                case DOWN -> {
                    PROVIDER.down();
                    up = false;
                }
                case UP -> {
                    PROVIDER.up();
                    up = true;
                }
                case WAIT_1S, WAIT_5S, WAIT_10S -> {
                    Duration by = Duration.ofSeconds(step == Step.WAIT_1S ? 1 : step == Step.WAIT_5S ? 5 : 10);
                    clock.move(by);
                    sinceFetch = sinceFetch == null ? null : sinceFetch.plus(by);
                }
                case REFRESH -> keys.refresh();
                case PUBLISHED_TOKEN -> {
                    if (!published.isEmpty()) {
                        String kid = published.iterator().next();
                        boolean due = sinceFetch == null || sinceFetch.compareTo(ProviderKeys.REFETCH_FLOOR) >= 0;
                        String outcome = outcome(verifier, PROVIDER.sign(kid, JWSAlgorithm.ES256, issuedNow(clock)));
                        assertTrue(!outcome.equals("401"), "a published key refused for good after " + done);
                        if (up && due) {
                            assertEquals("accepted", outcome, "provider up, floor passed, after " + done);
                        }
                    }
                }
                case REMOVED_TOKEN -> {
                    if (!removed.isEmpty()) {
                        outcome(verifier, PROVIDER.sign(removed.iterator().next(), JWSAlgorithm.ES256, issuedNow(clock)));
                    }
                }
                case FORGED_TOKEN -> {
                    String outcome = outcome(verifier, PROVIDER.sign("p0", JWSAlgorithm.ES256, "forged-" + forged++,
                            issuedNow(clock)));
                    assertTrue(!outcome.equals("accepted"), "a forged kid accepted after " + done);
                }
            }
            int made = PROVIDER.jwksRequests() - fetches;
            assertTrue(made <= 1, made + " fetches in one step after " + done);
            if (made == 1) {
                assertTrue(step == Step.REFRESH || sinceFetch == null
                        || sinceFetch.compareTo(ProviderKeys.REFETCH_FLOOR) >= 0,
                        "a token made Herald fetch " + sinceFetch + " after the last fetch, after " + done);
                sinceFetch = Duration.ZERO;
            }
        }
    }

    private static void publish(String kid, Set<String> published) {
        // the pool's keys were made once: publishing one again serves the same key
        PROVIDER.publishMade(kid);
        published.add(kid);
    }

    private static String outcome(TokenVerifier verifier, String token) {
        try {
            verifier.verify(token);
            return "accepted";
        } catch (InvalidTokenException e) {
            return "401";
        } catch (KeysUnavailableException e) {
            assertTrue(e.retryAfterSeconds() >= 1 && e.retryAfterSeconds() <= 10, e.getMessage());
            return "503";
        }
    }

    /**
     * Claims issued at the test clock's now: a provider signs with a key only once it publishes it, so a token of a
     * published key is never older than the key; Herald uses that to refuse an old token's missing kid at once.
     */
    private static JWTClaimsSet issuedNow(MovableClock clock) {
        return PROVIDER.claims().issueTime(java.util.Date.from(clock.instant())).build();
    }
}
