package dev.herald.backbone.redis;

import dev.herald.backbone.Backbone;
import dev.herald.history.Event;
import dev.herald.history.EventId;
import dev.herald.history.RetentionChanges;
import dev.herald.history.StreamId;
import java.util.ArrayList;
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
 * This node's one reader of the event stream. It first loads what Redis stores into the hub's history, then reads
 * every entry after the last one it handed over, in order, for as long as the node runs, and at most every 20 ms
 * stores what the history decided to keep and to let go ({@link RetentionScripts#DECIDED}). When Redis goes away it
 * retries with backoff, stores the decisions it could not, and resumes after that same entry, so no stored event is
 * skipped.
 */
final class StreamReader implements Runnable {

    private static final Logger LOG = Logger.getLogger(StreamReader.class.getName());
    /** Entries per read: enough to catch up quickly after an outage, few enough to hand over without delay. */
    private static final int BATCH = 1000;
    /**
     * How often, at most, the decisions are stored while events keep coming: one script run for all those of this
     * span (Redis's work per run is then spread over many events), short enough that the run, during which Redis
     * serves nothing else, stays around a millisecond at thousands of publishes a second. Also stored at once when
     * the stream is quiet (a read that finds nothing), at load, and after {@link #STORE_AFTER} entries.
     */
    private static final long STORE_EVERY_NANOS = 20_000_000L;
    /**
     * Entries read after which the decisions are stored however recent the last store (a node catching up reads
     * thousands in 20 ms): keeps each script run short, and what the history records in between.
     */
    private static final int STORE_AFTER = 1000;

    private final Pool<Jedis> pool;
    /** Where Herald's keys start, {@code herald:}; the delivery stream is {@code <prefix>events}. */
    private final String prefix;
    private final String stream;
    private final int historySize;
    private final Backbone.Listener listener;
    private final Outage outage;
    /** {@code "size max-age"}: nodes that decide alike must be configured alike. */
    private final String settings;
    private volatile boolean running = true;
    private volatile StreamId last;
    /**
     * What the history decided that is not stored yet, since the last store that succeeded (or null): kept until a
     * store succeeds; no read happens meanwhile, so it holds at most the decisions of 20 ms or 1,000 entries.
     */
    private RetentionChanges unstored;
    /**
     * What the nodes had decided when this one loaded: what its own history decides up to there (only beyond its
     * capacity, when it holds fewer than the node that stored them) is stored with the next newer decisions.
     */
    private EventId decidedAtLoad = StreamId.ORIGIN;
    private long storedAtNanos = System.nanoTime();
    private int readSinceStored;

    StreamReader(Pool<Jedis> pool, String prefix, int historySize, long maxAgeMillis, Backbone.Listener listener,
            Outage outage) {
        this.pool = pool;
        this.prefix = prefix;
        this.stream = prefix + "events";
        this.historySize = historySize;
        this.settings = historySize + " " + maxAgeMillis;
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
                } else {
                    storeDecisions(jedis);
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
     * What Redis stores ({@link HeldSnapshot}): the held events, what each topic let go, the retained events, and the
     * delivery stream's newest id, after which this reader goes on; then it stores what the history decided for the
     * events no node had decided yet.
     */
    void load(Jedis jedis) {
        String before = (String) RetentionScripts.START.run(jedis, List.of(prefix, settings));
        if (!before.isEmpty() && !before.equals(settings)) {
            LOG.warning(() -> "the node that started before this one on " + prefix + "* had herald.history.size and "
                    + "herald.history.max-age (ms) " + before + ", this one " + settings + ": nodes configured "
                    + "differently keep different events, so a client may be caught up on one and reset on another");
        }
        HeldSnapshot snapshot = HeldSnapshot.read(jedis, prefix);
        if (snapshot.trimmedUndecided()) {
            // before any decision of this node is stored: a node that sees those sees this too, and resets alike
            RetentionScripts.GONE.run(jedis, List.of(prefix, snapshot.held().base().toString()));
            LOG.info(() -> "the oldest entry of " + stream + " is after " + snapshot.held().base() + ", and no node "
                    + "had decided up to there (none was reading, or all fell behind): what lay between may have been "
                    + "trimmed unread, so every client older than that gets a reset");
        }
        unstored = null;
        listener.held(snapshot.held());
        decidedAtLoad = snapshot.held().decidedUpTo();
        last = snapshot.newest();
        storeDecisions(jedis);
        LOG.info(() -> "loaded " + snapshot.held().events().size() + " held events and "
                + snapshot.held().retained().size() + " retained events; reading " + stream + " after " + last);
    }

    /**
     * Stores what the history decided since the last store ({@link RetentionScripts#DECIDED}): until then, a node
     * that starts reads those events from the stream and decides them itself, alike.
     */
    void storeDecisions(Jedis jedis) {
        RetentionChanges changes = listener.retentionChanges();
        unstored = unstored == null ? changes : unstored.then(changes);
        if (unstored.held().isEmpty() && unstored.evicted().isEmpty() && unstored.floors().isEmpty()
                || unstored.upTo().compareTo(decidedAtLoad) <= 0) {
            return;
        }
        storedAtNanos = System.nanoTime();
        readSinceStored = 0;
        List<String> args = new ArrayList<>(5 + unstored.evicted().size() + 2 * unstored.held().size()
                + 2 * unstored.floors().size());
        args.add(prefix);
        args.add(unstored.upTo().toString());
        args.add(unstored.folded() == null ? "" : unstored.folded().toString());
        args.add(String.valueOf(unstored.evicted().size()));
        for (EventId id : unstored.evicted()) {
            args.add(id.toString());
        }
        args.add(String.valueOf(unstored.held().size()));
        for (Event event : unstored.held()) {
            args.add(event.id().toString());
            args.add(StreamEntries.heldJson(event));
        }
        for (RetentionChanges.Floor floor : unstored.floors()) {
            args.add(RetentionScripts.key(floor.topic()));
            args.add(floor.evicted() == null ? "" : floor.evicted().toString());
        }
        RetentionScripts.DECIDED.run(jedis, args);
        unstored = null;
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
            storeDecisions(jedis);
            return;
        }
        if ((afterConnecting || entries.size() >= Math.min(BATCH, Math.max(1, historySize / 2)))
                && checkNothingTrimmed(jedis)) {
            // what was just read is in what Redis stores now, retains and clears included
            load(jedis);
            return;
        }
        for (StreamEntry entry : entries) {
            String cleared = StreamEntries.cleared(entry);
            if (cleared != null) {
                // no event: never delivered nor held, only applied in the stream's order
                listener.retainedCleared(cleared);
            } else if (StreamEntries.retained(entry)) {
                listener.storedRetained(StreamEntries.event(entry));
            } else {
                listener.stored(StreamEntries.event(entry));
            }
            last = StreamEntries.id(entry.getID());
        }
        readSinceStored += entries.size();
        if (System.nanoTime() - storedAtNanos >= STORE_EVERY_NANOS || readSinceStored >= STORE_AFTER) {
            storeDecisions(jedis);
        }
    }

    /**
     * Whether entries after {@code last} were trimmed unread: then the listener has been told ({@code lost}), and
     * what this node holds is no longer what the others do, so it loads what Redis stores again.
     */
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
                    + "clients are sent to reconnect; it loads what Redis stores again");
            listener.lost(floor);
            return true;
        }
        return false;
    }
}
