package dev.herald.backbone;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The subjects whose new streams a single node refuses, each until its block expires. Bounded, and never by dropping
 * a block: when full of blocks that have not expired, a new one is refused ({@link Backbone.BlockedFullException}).
 */
final class SubjectBlocks {

    /**
     * A subject is at most 255 characters (OpenID Connect's bound on {@code sub}), so this many blocks hold a few MB
     * at most; more bans at once than that belong at the token issuer, not in one node's memory.
     */
    static final int MAX_BLOCKS = 10_000;

    private final int maxBlocks;
    // guarded by this
    private final Map<String, Instant> until = new HashMap<>();

    SubjectBlocks(int maxBlocks) {
        this.maxBlocks = maxBlocks;
    }

    /** Refuses {@code subject}'s new streams until {@code end}, replacing its earlier block if any. */
    synchronized void block(String subject, Instant end, Instant now) {
        if (!until.containsKey(subject) && until.size() >= maxBlocks) {
            // expired blocks are only purged here: until the map is full they cost nothing to keep
            until.values().removeIf(expiry -> !expiry.isAfter(now));
            if (until.size() >= maxBlocks) {
                throw new Backbone.BlockedFullException(maxBlocks);
            }
        }
        until.put(subject, end);
    }

    /** Until when {@code subject}'s new streams are refused, or null. */
    synchronized Instant until(String subject, Instant now) {
        Instant end = until.get(subject);
        if (end == null) {
            return null;
        }
        if (!end.isAfter(now)) {
            until.remove(subject);
            return null;
        }
        return end;
    }
}
