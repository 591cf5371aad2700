package dev.herald.bench;

import java.util.BitSet;

/**
 * Compares what each subscriber received with the publishes the server accepted: what was lost, repeated or
 * not ours, and who got everything exactly once; the stalled subscribers also on their own. Counts only
 * subscribers that were connected once: the others were never expected to receive anything.
 */
final class ExactlyOnceCheck {

    int connected;
    int exactlyOnce;
    int resets;
    long lost;
    long duplicated;
    long replayed;
    long unexpected;
    int stalledConnected;
    int stalledDisconnected;
    int stalledReconnected;
    int stalledExactlyOnce;
    long stalledLost;
    long stalledDuplicated;

    private final BitSet accepted;
    private final int acceptedCount;

    ExactlyOnceCheck(BitSet accepted) {
        this.accepted = accepted;
        this.acceptedCount = accepted.cardinality();
    }

    void add(Subscriber s) {
        resets += s.resets;
        if (!s.everConnected) {
            return;
        }
        BitSet got = (BitSet) s.received.clone();
        got.and(accepted);
        long missing = acceptedCount - got.cardinality();
        BitSet extra = (BitSet) s.received.clone();
        extra.andNot(accepted);
        boolean once = missing == 0 && s.duplicates == 0;
        connected++;
        lost += missing;
        duplicated += s.duplicates;
        replayed += s.replayed;
        unexpected += extra.cardinality();
        exactlyOnce += once ? 1 : 0;
        if (s.stalled) {
            stalledConnected++;
            stalledDisconnected += s.disconnects > 0 ? 1 : 0;
            stalledReconnected += s.reconnects > 0 ? 1 : 0;
            stalledExactlyOnce += once ? 1 : 0;
            stalledLost += missing;
            stalledDuplicated += s.duplicates;
        }
    }

    /** Accepted publishes times connected subscribers. */
    long expected() {
        return (long) acceptedCount * connected;
    }
}
