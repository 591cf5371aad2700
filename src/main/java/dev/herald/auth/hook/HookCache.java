package dev.herald.auth.hook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hook's recent answers by credential (a hash of the {@code Cookie} header, never the header): a grant for
 * {@code min(expiresIn, herald.auth.hook-cache-seconds)}, a 401 for {@link #UNAUTHORIZED_SECONDS} at most, nothing
 * else. Bounded: past {@link #MAX_ENTRIES} the oldest entry goes, which costs one more call to the hook. Purged by
 * subject when an admin ends the subject's streams. Guarded by its own lock; owned by {@link AuthorizationHook}.
 */
final class HookCache {

    /**
     * Each entry is a hash and the grants of at most 16 KiB of answer, typically a few hundred bytes: 10 000 sessions
     * reconnecting within the cache time is a busy node's worth, and a few MiB.
     */
    static final int MAX_ENTRIES = 10_000;
    /**
     * A 401 is kept briefly: a page of a logged-out user reconnecting in a loop asks the application once per this,
     * while a user who logs in (most applications then change the session cookie anyway) waits at most this long.
     */
    static final int UNAUTHORIZED_SECONDS = 5;

    private final Clock clock;
    private final Duration keep;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** How many purges ran: a call started before one must not store an answer the purge meant to forget. */
    private long purges;

    private record Entry(HookAnswer answer, Instant until) {
    }

    HookCache(Clock clock, int cacheSeconds) {
        this.clock = clock;
        this.keep = Duration.ofSeconds(cacheSeconds);
    }

    /** The answer still kept for {@code credential}, or null. */
    synchronized HookAnswer get(String credential) {
        Entry entry = entries.get(credential);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.until())) {
            entries.remove(credential);
            return null;
        }
        return entry.answer();
    }

    /** A mark to pass to {@link #put}: the purges run so far. */
    synchronized long mark() {
        return purges;
    }

    /** Keeps {@code answer} if it is kept at all, unless a purge ran since {@code mark}. */
    synchronized void put(String credential, HookAnswer answer, long mark) {
        if (mark != purges || keep.isZero()) {
            return;
        }
        Instant now = clock.instant();
        Instant until = switch (answer.kind()) {
            case GRANTED -> min(now.plus(keep), answer.grants().expiresAt());
            case UNAUTHORIZED -> now.plus(min(keep, Duration.ofSeconds(UNAUTHORIZED_SECONDS)));
            default -> null;
        };
        if (until == null || !until.isAfter(now)) {
            return;
        }
        entries.remove(credential);
        entries.put(credential, new Entry(answer, until));
        if (entries.size() > MAX_ENTRIES) {
            Iterator<String> oldest = entries.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Forgets every answer about {@code subject}, and any answer about it a call in flight brings back. */
    synchronized void purge(String subject) {
        purges++;
        entries.values().removeIf(entry -> entry.answer().grants() != null
                && subject.equals(entry.answer().grants().subject()));
    }

    synchronized int size() {
        return entries.size();
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
