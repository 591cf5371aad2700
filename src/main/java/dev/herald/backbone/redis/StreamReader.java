package dev.herald.backbone.redis;

import dev.herald.backbone.Backbone;
import dev.herald.history.Event;
import dev.herald.history.StreamId;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.util.Pool;

/**
 * This node's one reader of the event stream. It first loads what Redis holds into the hub's history,
 * then reads every entry after the last one it handed over, in order, for as long as the node runs. When Redis
 * goes away it retries with backoff and resumes after that same entry, so no stored event is skipped.
 */
final class StreamReader implements Runnable {

    private static final Logger LOG = Logger.getLogger(StreamReader.class.getName());
    /** Entries per read: enough to catch up quickly after an outage, few enough to hand over without delay. */
    private static final int BATCH = 1000;

    private final Pool<Jedis> pool;
    /** Where Herald's keys start, {@code herald:}; the delivery stream is {@code <prefix>events}. */
    private final String prefix;
    private final String stream;
    private final int historySize;
    private final Backbone.Listener listener;
    private final Outage outage;
    private volatile boolean running = true;
    private volatile StreamId last;

    StreamReader(Pool<Jedis> pool, String prefix, int historySize, Backbone.Listener listener, Outage outage) {
        this.pool = pool;
        this.prefix = prefix;
        this.stream = prefix + "events";
        this.historySize = historySize;
        this.listener = listener;
        this.outage = outage;
    }

    void stop() {
        running = false;
    }

    /** The id of the last entry handed to the hub, or null before the history is loaded. */
    StreamId last() {
        return last;
    }

    @Override
    public void run() {
        long delay = 100;
        while (running) {
            try (Jedis jedis = pool.getResource()) {
                if (last == null) {
                    load(jedis);
                }
                outage.recovered("reading the stream after " + last);
                delay = 100;
                boolean connected = true;
                while (running) {
                    read(jedis, connected);
                    connected = false;
                }
            } catch (JedisException e) {
                if (!running) {
                    return;
                }
                outage.failed(e);
                LOG.log(Level.FINE, "reading the stream failed", e);
                try {
                    delay = Outage.backOff(delay);
                } catch (InterruptedException interrupted) {
                    return;
                }
            } catch (RuntimeException e) {
                // a bug, not an outage: say so, and keep the node's reader alive
                LOG.log(Level.SEVERE, "the stream reader failed; retrying", e);
                try {
                    delay = Outage.backOff(delay);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * What Redis holds ({@link HeldSnapshot}): the held events, what each topic let go, the retained events, and the
     * delivery stream's newest id, after which this reader goes on.
     */
    void load(Jedis jedis) {
        HeldSnapshot snapshot = HeldSnapshot.read(jedis, prefix);
        listener.held(snapshot.held(), snapshot.newestEvent());
        last = snapshot.newest();
        LOG.info(() -> "loaded " + snapshot.held().events().size() + " held events and "
                + snapshot.held().retained().size() + " retained events; reading " + stream + " after " + last);
    }

    /**
     * One read of what follows {@code last}. After a reconnection, or when the read came back full (this node is
     * behind), it also checks that nothing after {@code last} was trimmed away unread: XREAD would silently
     * carry on from whatever is left. Redis 6 cannot tell whether anything lay between {@code last} and the
     * oldest entry left, so once {@code last} itself is trimmed this counts as a loss: a needless reset at worst,
     * and only for a node a whole history behind.
     */
    void read(Jedis jedis, boolean afterConnecting) {
        List<Map.Entry<String, List<StreamEntry>>> read = jedis.xread(
                XReadParams.xReadParams().block((int) RedisConnections.BLOCK.toMillis()).count(BATCH),
                Map.of(stream, StreamEntries.entryId(last)));
        outage.recovered("reading the stream after " + last);
        List<StreamEntry> entries = read == null || read.isEmpty() ? List.of() : read.get(0).getValue();
        if (entries.isEmpty()) {
            return;
        }
        boolean lostSome = (afterConnecting || entries.size() >= Math.min(BATCH, Math.max(1, historySize / 2)))
                && checkNothingTrimmed(jedis);
        for (StreamEntry entry : entries) {
            String cleared = StreamEntries.cleared(entry);
            if (cleared != null) {
                // no event: never delivered nor held, only applied in the stream's order
                listener.retainedCleared(cleared);
            } else if (StreamEntries.retained(entry)) {
                listener.storedRetained(StreamEntries.event(entry), StreamEntries.evicted(entry));
            } else {
                listener.stored(StreamEntries.event(entry), StreamEntries.evicted(entry));
            }
            last = StreamEntries.id(entry.getID());
        }
        if (lostSome) {
            // retains and clears went with the trimmed entries: what Redis holds now, newer than what was just read
            listener.retainedReloaded(retained(jedis));
        }
    }

    /** Every retained event in {@code herald:retained}, in id order: at most {@code herald.retained.max-topics}. */
    private List<Event> retained(Jedis jedis) {
        return StreamEntries.retainedEvents(jedis.hvals(prefix + RetentionScripts.RETAINED));
    }

    /** Whether entries after {@code last} were trimmed unread: then the listener has been told ({@code lost}). */
    private boolean checkNothingTrimmed(Jedis jedis) {
        List<StreamEntry> oldest = jedis.xrange(stream, StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID, 1);
        if (oldest.isEmpty()) {
            return false;
        }
        StreamId first = StreamEntries.id(oldest.get(0).getID());
        if (first.compareTo(last) > 0 && !last.equals(StreamId.ORIGIN)) {
            StreamId floor = first.previous();
            LOG.warning(() -> "this node fell behind the stream " + stream + ": entries after " + last + " up to "
                    + floor + " were trimmed before it read them (the stream keeps about herald.history.size); its "
                    + "clients are sent to reconnect and will get a reset; it reads the retained events again");
            listener.lost(floor);
            last = floor;
            return true;
        }
        return false;
    }
}
