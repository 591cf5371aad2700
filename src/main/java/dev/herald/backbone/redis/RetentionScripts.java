package dev.herald.backbone.redis;

/**
 * The Lua scripts that store Herald's history in Redis. Redis stores, the nodes decide: a publish only adds its
 * events to the delivery stream, and every node's history decides what it keeps
 * ({@link dev.herald.history.History.Decisions#SHARED}) from the stream's order and the ids' times alone, so every
 * node decides alike; each node's reader then stores those decisions ({@link #DECIDED}: the events kept, those let
 * go) at most every 20 ms, once for all of them. A node that starts reads them with {@link HeldSnapshot}, and
 * decides the events of the stream after the last decisions itself, as the others did.
 *
 * <p>Keys, all under {@code herald:}. No key per topic: a topic that holds one event costs a hash entry or two.
 * <ul>
 * <li>{@code events}: the stream every node reads for delivery, trimmed to about {@code herald.history.size};</li>
 * <li>{@code held} (hash, id to the event's fields and values as a JSON array): the events held as of
 * {@code retention:applied}, at most {@code herald.history.size} (a little more while nodes configured differently
 * store in turn);</li>
 * <li>{@code retention:evicted} (hash, topic to its newest evicted id; {@code $none} for events without a topic):
 * for the topics that still hold events and for those remembered by name, at most twice
 * {@code herald.history.size}; {@code retention:folded}: the newest evicted id of the topics no longer remembered
 * by name; {@code retention:applied}: the newest event these decisions are stored for;
 * {@code retention:since}: everything up to this id is gone (the stream's newest entry when this layout first
 * ran on this Redis, or later the entry before the oldest one left when the stream trimmed entries no node had
 * decided); {@code retention:settings}: {@code "size max-age"} of the node that started last;</li>
 * <li>{@code retained} (hash, topic to its retained event as {@code [id, [field, value, ...]]} in JSON): at most
 * {@code herald.retained.max-topics} topics, a bound the publish script keeps for every node; apart from the
 * held events, so eviction never touches it. A clear is an entry {@code cleared} = topic in {@code events}.</li>
 * </ul>
 *
 * <p>All run by SHA-1 ({@link LuaScript}): a publish sends its arguments, not the script.
 */
final class RetentionScripts {

    /** The keys {@link HeldSnapshot} reads, after the prefix, as the scripts name them. */
    static final String EVENTS = "events";
    static final String HELD = "held";
    static final String EVICTED = "retention:evicted";
    static final String FOLDED = "retention:folded";
    static final String APPLIED = "retention:applied";
    static final String SINCE = "retention:since";
    static final String RETAINED = "retained";

    /** The key of events without a topic: {@code $} starts no publishable topic. */
    static final String NO_TOPIC = "$none";

    /**
     * The publish script's whole answer when the bound of retained topics refuses it: a fingerprint is hex or empty,
     * so it is never taken for one.
     */
    static final String RETAINED_FULL = "!retained_full";

    private static final String IDS = """
            local function parts(id)
              local dash = string.find(id, '-', 1, true)
              return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
            end
            local function newer(a, b)
              local am, as = parts(a)
              local bm, bs = parts(b)
              return am > bm or (am == bm and as > bs)
            end
            """;

    /**
     * The first run of this layout on this Redis: it drops what an earlier layout kept for the history (stop every node
     * of an earlier version first; their ids then get a reset, never a gap), starts the history after the stream's
     * newest entry, and marks everything up to there decided, so that every event stored from now on is decided by the
     * nodes.
     */
    private static final String FIRST_RUN = """
            local P = ARGV[1]
            local APPLIED, SINCE = P .. 'retention:applied', P .. 'retention:since'
            if redis.call('EXISTS', APPLIED) == 0 then
              local earlier = {P .. 'retention:topics', P .. 'retention:forgotten:seq', P .. 'held:next'}
              if redis.call('EXISTS', unpack(earlier)) > 0 then
                local top = tonumber(redis.call('GET', P .. 'retention:top') or '0')
                for n = 1, top do redis.call('UNLINK', P .. 'retention:holding:' .. n) end
                redis.call('UNLINK', P .. 'held', P .. 'held:next', P .. 'retention:topics', P .. 'retention:top',
                  P .. 'retention:age', P .. 'retention:age:kept', P .. 'retention:evicted',
                  P .. 'retention:forgotten', P .. 'retention:forgotten:seq', P .. 'retention:folded', SINCE)
              end
              local last = redis.call('XREVRANGE', P .. 'events', '+', '-', 'COUNT', 1)
              redis.call('SET', SINCE, last[1] and last[1][1] or '0-0', 'NX')
              redis.call('SET', APPLIED, redis.call('GET', SINCE))
            end
            """;

    /**
     * ARGV: prefix, idempotency key ('' for none), fingerprint, history size, the bound of retained topics ({@code
     * herald.retained.max-topics}), the number of events, then for each event its topic key, its retain flag ('1' or
     * '0'), the number of its entry's fields and values, and those. Answers {fingerprint, repeated, then the ids, in
     * order}, or {@link #RETAINED_FULL} alone when the retains would give more topics than the bound a retained event
     * (then nothing was stored). The events of one run are stored one after the other, and nothing can come between
     * them. A single event without key nor retain needs none of this: it is a plain {@code XADD}.
     *
     * <p>A retained event's delivery entry has the field {@code retain} = {@code 1}, so that every node's reader
     * retains it in the same step as it delivers it; {@code retained} maps its topic to {@code [id, [field, value,
     * ...]]} (JSON, the form a script returns an entry in), what a node that starts reads.
     */
    static final LuaScript PUBLISH = new LuaScript("""
            redis.replicate_commands()
            local P = ARGV[1]
            local EVENTS, RETAINED = P .. 'events', P .. 'retained'
            local IDEM, IDEM_ORDER = P .. 'idempotency', P .. 'idempotency:order'
            local key, fingerprint = ARGV[2], ARGV[3]
            local cap, maxRetained, count = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
            -- first: a replayed publish answers what it answered, so it neither retains again nor meets the bounds
            if key ~= '' then
              local earlier = redis.call('HGET', IDEM, key)
              if earlier then
                local bar = string.find(earlier, '|', 1, true)
                local answer = {string.sub(earlier, bar + 1), '1'}
                for id in string.gmatch(string.sub(earlier, 1, bar - 1), '[^,]+') do answer[#answer + 1] = id end
                return answer
              end
            end
            -- the events, and the bound of retained topics checked for all of them before anything is stored: a
            -- publish that does not fit is refused whole; a topic that has a retained event only replaces it
            local events, fresh, added, at = {}, {}, 0, 7
            for _ = 1, count do
              local topic, retain, n = ARGV[at], ARGV[at + 1] == '1', tonumber(ARGV[at + 2])
              events[#events + 1] = {topic, retain, at + 3, at + 2 + n}
              if retain and not fresh[topic] and redis.call('HEXISTS', RETAINED, topic) == 0 then
                fresh[topic] = true
                added = added + 1
              end
              at = at + 3 + n
            end
            if added > 0 and redis.call('HLEN', RETAINED) + added > maxRetained then
              return {'!retained_full'}
            end
            local ids = {}
            for _, e in ipairs(events) do
              local fields = {unpack(ARGV, e[3], e[4])}
              local entry = fields
              if e[2] then
                entry = {unpack(fields)}
                entry[#entry + 1] = 'retain'
                entry[#entry + 1] = '1'
              end
              -- never trimmed below this run's events: nodes read them only once the run is over
              local id = redis.call('XADD', EVENTS, 'MAXLEN', '~', math.max(cap, count), '*', unpack(entry))
              if e[2] then
                -- kept apart from the held events: retention may evict the event, never its retained copy
                redis.call('HSET', RETAINED, e[1], cjson.encode({id, fields}))
              end
              ids[#ids + 1] = id
            end
            if key ~= '' then
              redis.call('HSET', IDEM, key, table.concat(ids, ',') .. '|' .. fingerprint)
              redis.call('RPUSH', IDEM_ORDER, key)
              local excess = redis.call('LLEN', IDEM_ORDER) - cap
              for i = 1, math.min(excess, 100) do
                redis.call('HDEL', IDEM, redis.call('LPOP', IDEM_ORDER))
              end
            end
            local answer = {fingerprint, '0'}
            for _, id in ipairs(ids) do answer[#answer + 1] = id end
            return answer
            """);

    /**
     * ARGV: prefix, {@code upTo}, folded ('' for none), the number of evicted ids, those, the number of events taken
     * and still held, each as id and JSON, then topic key and floor ('' for none) pairs, one per topic: a node's
     * {@link dev.herald.history.RetentionChanges} since the decisions it stored last.
     * Applied only when {@code upTo} is newer than {@code retention:applied}, which it then becomes: every node
     * stores the same decisions, and the first to arrive stores them once. What a node sends covers everything after
     * its last store, which {@code applied} had then reached, so however the nodes' reads are cut, what is stored is
     * what every node decided up to {@code upTo}. Floors and the folded id only move forward, and a floor goes only
     * once the folded id covers it: nodes that decide differently (configured differently) never store a gap.
     * Answers 1 when applied, else 0.
     */
    static final LuaScript DECIDED = new LuaScript(IDS + """
            local P = ARGV[1]
            local HELD, EVICTED = P .. 'held', P .. 'retention:evicted'
            local FOLDED, APPLIED = P .. 'retention:folded', P .. 'retention:applied'
            local upTo, folded = ARGV[2], ARGV[3]
            local applied = redis.call('GET', APPLIED)
            if applied and not newer(upTo, applied) then
              return 0
            end
            local stored = redis.call('GET', FOLDED)
            if folded ~= '' and (not stored or newer(folded, stored)) then
              redis.call('SET', FOLDED, folded)
              stored = folded
            end
            local function chunked(command, key, list, from, to)
              -- a thousand at a time: unpack puts them all on Lua's stack (an even count, for field and value pairs)
              while from <= to do
                local last = math.min(to, from + 999)
                redis.call(command, key, unpack(list, from, last))
                from = last + 1
              end
            end
            local evicted = tonumber(ARGV[4])
            chunked('HDEL', HELD, ARGV, 5, 4 + evicted)
            local at = 5 + evicted
            local held = tonumber(ARGV[at])
            chunked('HSET', HELD, ARGV, at + 1, at + 2 * held)
            at = at + 1 + 2 * held
            -- the floors: one HMGET, one HSET and one HDEL per thousand topics, not a call per topic
            local topics, floors = {}, {}
            while at < #ARGV do
              topics[#topics + 1], floors[#floors + 1] = ARGV[at], ARGV[at + 1]
              at = at + 2
            end
            local raise, drop = {}, {}
            for first = 1, #topics, 1000 do
              local last = math.min(#topics, first + 999)
              local olds = redis.call('HMGET', EVICTED, unpack(topics, first, last))
              for i = first, last do
                local old, floor = olds[i - first + 1], floors[i]
                if floor ~= '' then
                  if not old or newer(floor, old) then
                    raise[#raise + 1] = topics[i]
                    raise[#raise + 1] = floor
                  end
                elseif old and stored and not newer(old, stored) then
                  drop[#drop + 1] = topics[i]
                end
              end
            end
            chunked('HSET', EVICTED, raise, 1, #raise)
            chunked('HDEL', EVICTED, drop, 1, #drop)
            redis.call('SET', APPLIED, upTo)
            return 1
            """);

    /**
     * ARGV: prefix, an id. Everything up to it is gone: {@code retention:since} becomes it, when newer. Run by a node
     * that found entries trimmed from the stream before any node decided them ({@link HeldSnapshot}), so that a node
     * that starts after its decisions are stored knows it too (it could not tell from the stream any more).
     */
    static final LuaScript GONE = new LuaScript(IDS + """
            local SINCE = ARGV[1] .. 'retention:since'
            local since = redis.call('GET', SINCE)
            if not since or newer(ARGV[2], since) then
              redis.call('SET', SINCE, ARGV[2])
            end
            return 1
            """);

    /** ARGV: prefix. {@link #FIRST_RUN} alone, before a node's first publish (its reader may not have started). */
    static final LuaScript LAYOUT = new LuaScript(FIRST_RUN + "return 1\n");

    /**
     * ARGV: prefix, {@code "size max-age"} of this node. Run by a node before it reads what is stored
     * ({@link #FIRST_RUN} too). Answers the settings of the node that started before ('' for none), which it
     * replaces: nodes that decide alike must be configured alike.
     */
    static final LuaScript START = new LuaScript(FIRST_RUN + """
            local SETTINGS = P .. 'retention:settings'
            local before = redis.call('GET', SETTINGS)
            redis.call('SET', SETTINGS, ARGV[2])
            return before or ''
            """);


    /**
     * ARGV: prefix, topic. Clears the topic's retained event and, when it had one, adds to the delivery stream an
     * entry that is no event, {@code cleared} = topic, so that every node clears it in the stream's order (after the
     * event that retained it, before any that retains again). Answers 1 when it had one, else 0. Not trimmed here:
     * there is at most one such entry per retain, and the next publish trims the stream.
     */
    static final LuaScript CLEAR = new LuaScript("""
            local P, topic = ARGV[1], ARGV[2]
            if redis.call('HDEL', P .. 'retained', topic) == 0 then
              return 0
            end
            redis.call('XADD', P .. 'events', '*', 'cleared', topic)
            return 1
            """);

    private RetentionScripts() {
    }

    /** The stream key part of a topic, null for events without one. */
    static String key(String topic) {
        return topic == null ? NO_TOPIC : topic;
    }

    static String topic(String key) {
        return NO_TOPIC.equals(key) ? null : key;
    }
}
