package dev.herald.bench;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the subscribers of one selector thread saw. Written by that thread only, so plain fields suffice; the
 * volatile counters are also read by the run, for progress and to know when a phase is over (one writer, so
 * {@code ++} on them loses nothing).
 */
final class Tally {

    /** Distinct failure reasons kept: they are statuses and exception kinds, a handful in practice. */
    private static final int MAX_REASONS = 64;

    final Histogram latency = new Histogram();
    final Histogram latencyStalled = new Histogram();
    final Histogram latencyReplayed = new Histogram();
    final Histogram connectHeaders = new Histogram();
    final Histogram connectReady = new Histogram();
    final Histogram reconnectHeaders = new Histogram();
    final Histogram reconnectReady = new Histogram();
    final Map<String, Long> failures = new TreeMap<>();

    /** Subscribers whose first connection was established (on Herald: got {@code ready}). */
    volatile int connected;
    /** Subscribers whose first connection failed; they do not try again. */
    volatile int failed;
    /** Established streams open right now. */
    volatile int open;
    /** Bench events received, duplicates and replays included. */
    volatile long received;
    /** Live subscribers that still miss an event of the drain target. */
    volatile int drainPending;
    /** Subscribers of the reconnect scenario whose reconnection has not yet succeeded or failed. */
    volatile int reconnectPending;

    long foreign;
    int disconnectedByServer;
    int reconnects;
    int reconnectFailures;
    int gaveUp;
    /** Subscribers the reconnect scenario closed. */
    int parked;
    int reconnectedAll;
    int reconnectAllFailed;
    /** Catch-up deliveries on the connections of the reconnect scenario. */
    long replayedOnReconnect;
    long firstDeliveryAt;
    long lastDeliveryAt;
    boolean delivered;

    private BitSet target;
    private int targetSize;

    void failure(String reason) {
        String key = failures.size() < MAX_REASONS || failures.containsKey(reason) ? reason : "other";
        failures.merge(key, 1L, Long::sum);
    }

    void delivery(long latencyNanos, boolean stalled, boolean replayed, long now) {
        received++;
        if (stalled) {
            latencyStalled.record(latencyNanos);
        } else if (replayed) {
            latencyReplayed.record(latencyNanos);
        } else {
            latency.record(latencyNanos);
        }
        if (!delivered) {
            delivered = true;
            firstDeliveryAt = now;
        }
        lastDeliveryAt = now;
    }

    /** From now on counts the live subscribers that miss an event of {@code events}. */
    void drainTarget(BitSet events, Subscriber[] subscribers) {
        target = events;
        targetSize = events.cardinality();
        int pending = 0;
        for (Subscriber s : subscribers) {
            BitSet hits = (BitSet) s.received.clone();
            hits.and(events);
            s.targetHits = hits.cardinality();
            s.complete = s.targetHits >= targetSize;
            if (s.isLive() && !s.complete) {
                pending++;
            }
        }
        drainPending = pending;
    }

    /** {@code s} received {@code seq} for the first time. */
    void firstReceipt(Subscriber s, int seq) {
        if (target != null && !s.complete && target.get(seq) && ++s.targetHits >= targetSize) {
            s.complete = true;
            if (s.isLive()) {
                drainPending--;
            }
        }
    }

    /** {@code s} will receive nothing more: it no longer holds up the drain. */
    void retired(Subscriber s) {
        if (target != null && !s.complete) {
            drainPending--;
        }
    }

    void add(Tally other) {
        latency.add(other.latency);
        latencyStalled.add(other.latencyStalled);
        latencyReplayed.add(other.latencyReplayed);
        connectHeaders.add(other.connectHeaders);
        connectReady.add(other.connectReady);
        reconnectHeaders.add(other.reconnectHeaders);
        reconnectReady.add(other.reconnectReady);
        other.failures.forEach((reason, count) -> failures.merge(reason, count, Long::sum));
        connected += other.connected;
        failed += other.failed;
        received += other.received;
        foreign += other.foreign;
        disconnectedByServer += other.disconnectedByServer;
        reconnects += other.reconnects;
        reconnectFailures += other.reconnectFailures;
        gaveUp += other.gaveUp;
        parked += other.parked;
        reconnectedAll += other.reconnectedAll;
        reconnectAllFailed += other.reconnectAllFailed;
        replayedOnReconnect += other.replayedOnReconnect;
        if (other.delivered) {
            firstDeliveryAt = delivered ? Math.min(firstDeliveryAt, other.firstDeliveryAt) : other.firstDeliveryAt;
            lastDeliveryAt = delivered ? Math.max(lastDeliveryAt, other.lastDeliveryAt) : other.lastDeliveryAt;
            delivered = true;
        }
    }
}
