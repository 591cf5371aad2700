package dev.herald.stream;

import dev.herald.config.HeraldConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * How many streams this node takes: at most {@code herald.limits.connections} in all and
 * {@code herald.limits.connections-per-address} from one client address. Counts the streams it admitted until
 * each is released. Not thread-safe: the hub calls it under its lock, in the same step as registering the stream.
 */
final class ConnectionLimits {

    /** Why a stream is refused, with the limit it would exceed. */
    record Refusal(Kind kind, int limit) {

        enum Kind { NODE_FULL, ADDRESS_FULL }
    }

    private final int perNode;
    private final int perAddress;
    private int open;
    /** Open streams by client address; no entry at zero, so the map holds only addresses with streams. */
    private final Map<String, Integer> byAddress = new HashMap<>();

    ConnectionLimits(HeraldConfig.Limits limits) {
        this.perNode = limits.connections();
        this.perAddress = limits.connectionsPerAddress();
    }

    /** Counts a new stream from {@code address}, or answers why not (and counts nothing). */
    Refusal admit(String address) {
        if (open >= perNode) {
            return new Refusal(Refusal.Kind.NODE_FULL, perNode);
        }
        if (byAddress.getOrDefault(address, 0) >= perAddress) {
            return new Refusal(Refusal.Kind.ADDRESS_FULL, perAddress);
        }
        open++;
        byAddress.merge(address, 1, Integer::sum);
        return null;
    }

    /** A stream {@link #admit admitted} from {@code address} has ended. */
    void release(String address) {
        Integer count = byAddress.get(address);
        if (count == null) {
            throw new IllegalStateException("no stream was admitted from " + address);
        }
        if (count == 1) {
            byAddress.remove(address);
        } else {
            byAddress.put(address, count - 1);
        }
        open--;
    }

    int open() {
        return open;
    }
}
