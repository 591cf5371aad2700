package dev.herald.backbone.redis;

/**
 * The Lua scripts that keep Herald's history in Redis fair and its retained events shared: one publishes, one clears
 * a retained event. Redis runs each at once, so every node sees the same decisions in the same order. A node that
 * starts reads what they keep with {@link HeldSnapshot}.
 *
 * <p>Keys, all under {@code herald:}. No key per topic: a topic that holds one event costs a few hash and sorted-set
 * entries, not a stream of its own (Redis allocates 4 KB for a stream's first block).
 * <ul>
 * <li>{@code events}: the stream every node reads for delivery, trimmed to about {@code herald.history.size};
 * an entry's {@code evicted} field lists what its publish evicted ({@code reason topic id ...});</li>
 * <li>{@code held} (hash, id to the event's fields and values as a JSON array): the events held, at most
 * {@code herald.history.size}; {@code held:next} (hash, id to the id of the next held event of its topic), so a
 * topic's events form a chain from its oldest;</li>
 * <li>{@code retention:topics} (hash, topic to {@code "count oldest newest evicted"}: how many it holds, the ids of
 * the oldest and the newest, and the newest it let go, {@code -} for none; {@code $none} for events without a
 * topic), {@code retention:holding:<n>} (sorted set, the topics holding n by their oldest id),
 * {@code retention:top} (the largest n with a topic), and while {@code herald.history.max-age} is set
 * {@code retention:age} (sorted set, every topic by its oldest id) with its marker {@code retention:age:kept};</li>
 * <li>{@code retention:evicted} (hash, topic to the newest evicted id, for the topics that hold nothing),
 * {@code retention:forgotten} (sorted set of those topics, in the order they were emptied, at most
 * {@code herald.history.size}; its counter {@code retention:forgotten:seq}), {@code retention:folded} (the newest
 * evicted id of the topics forgotten beyond that), {@code retention:since} (everything up to this id is gone: the
 * newest event when this layout first ran on this Redis);</li>
 * <li>{@code retained} (hash, topic to its retained event as {@code [id, [field, value, ...]]} in JSON): at most
 * {@code herald.retained.max-topics} topics, a bound the publish script keeps for every node; apart from the
 * held events, so eviction never touches it. A clear is an entry {@code cleared} = topic in {@code events}.</li>
 * </ul>
 * An id orders in a sorted set as {@code millis * 1024 + min(sequence, 1023)}: exact to the millisecond, so the
 * tie between two topics whose oldest events share a millisecond beyond the 1023rd may go by name rather than id.
 * Nodes apply the script's decisions, so they agree even then.
 *
 * <p>All run by SHA-1 ({@link LuaScript}): a publish sends its arguments, not the script.
 */
final class RetentionScripts {

    /** The keys {@link HeldSnapshot} reads, after the prefix, as the scripts name them. */
    static final String EVENTS = "events";
    static final String HELD = "held";
    static final String TOPICS = "retention:topics";
    static final String EVICTED = "retention:evicted";
    static final String FORGOTTEN = "retention:forgotten";
    static final String FOLDED = "retention:folded";
    static final String SINCE = "retention:since";
    static final String RETAINED = "retained";

    /** The key of events without a topic: {@code $} starts no publishable topic. */
    static final String NO_TOPIC = "$none";

    /**
     * The publish script's whole answer when the bound of retained topics refuses it: a fingerprint is hex or empty,
     * so it is never taken for one.
     */
    static final String RETAINED_FULL = "!retained_full";

    private static final String COMMON = """
            local P = ARGV[1]
            local EVENTS, SINCE = P .. 'events', P .. 'retention:since'
            local HELD, NEXT = P .. 'held', P .. 'held:next'
            local TOPICS, TOP = P .. 'retention:topics', P .. 'retention:top'
            local AGE, AGE_KEPT = P .. 'retention:age', P .. 'retention:age:kept'
            local EVICTED, FORGOTTEN = P .. 'retention:evicted', P .. 'retention:forgotten'
            local RETAINED = P .. 'retained'
            local FOLDED, FORGOTTEN_SEQ = P .. 'retention:folded', P .. 'retention:forgotten:seq'
            local function level(n) return P .. 'retention:holding:' .. n end
            local function parts(id)
              local dash = string.find(id, '-', 1, true)
              return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
            end
            local function score(id)
              local ms, seq = parts(id)
              return ms * 1024 + math.min(seq, 1023)
            end
            local function newer(a, b)
              local am, as = parts(a)
              local bm, bs = parts(b)
              return am > bm or (am == bm and as > bs)
            end
            -- the first run on this Redis: what the delivery stream already has was never held here
            if redis.call('EXISTS', SINCE) == 0 then
              local last = redis.call('XREVRANGE', EVENTS, '+', '-', 'COUNT', 1)
              redis.call('SET', SINCE, last[1] and last[1][1] or '0-0')
            end
            """;

    /**
     * ARGV: prefix, idempotency key ('' for none), fingerprint, history size, maximum age in ms (0: none), the bound
     * of retained topics ({@code herald.retained.max-topics}), the number of events, then for each event its topic
     * key, its retain flag ('1' or '0'), the number of its entry's fields and values, and those.
     * Answers {fingerprint, repeated, then the ids, in order}, or {@link #RETAINED_FULL} alone when the retains would
     * give more topics than the bound a retained event (then nothing was stored). The events of one run are stored
     * one after the other, each with the decisions it would have had alone, and nothing can come between them.
     *
     * <p>A topic's record in {@code retention:topics} is {@code "count oldest newest evicted"}: how many of its
     * events are held, the ids of the oldest and newest, and of the newest it let go ({@code -} for none). The script
     * reads each record it needs once per run and writes it back once, so a publish that evicts one event of another
     * topic costs a few hash and sorted-set commands.
     *
     * <p>A retained event's delivery entry has the field {@code retain} = {@code 1}, so that every node's reader
     * retains it in the same step as it delivers it; {@code retained} maps its topic to {@code [id, [field, value,
     * ...]]} (JSON, the form a script returns an entry in), what a node that starts reads.
     */
    static final LuaScript PUBLISH = new LuaScript("redis.replicate_commands()\n" + COMMON + """
            local IDEM, IDEM_ORDER = P .. 'idempotency', P .. 'idempotency:order'
            local key, fingerprint = ARGV[2], ARGV[3]
            local cap, maxAge = tonumber(ARGV[4]), tonumber(ARGV[5])
            local maxRetained, count = tonumber(ARGV[6]), tonumber(ARGV[7])
            -- first: a replayed publish answers what it answered, so it neither retains again nor meets the bound
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
            local events, fresh, added, at = {}, {}, 0, 8
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
            local held = redis.call('HLEN', HELD)
            local topBefore = tonumber(redis.call('GET', TOP) or '0')
            local top = topBefore
            local folded = redis.call('GET', FOLDED)
            -- the topics by their oldest event, kept only while herald.history.max-age is set: built once when it
            -- is set, dropped once when it is not
            local aged = maxAge > 0
            if aged ~= (redis.call('EXISTS', AGE_KEPT) == 1) then
              redis.call('UNLINK', AGE, AGE_KEPT)
              if aged then
                local all = redis.call('HGETALL', TOPICS)
                for i = 1, #all, 2 do
                  redis.call('ZADD', AGE, score(string.match(all[i + 1], '^%d+ (%S+)')), all[i])
                end
                redis.call('SET', AGE_KEPT, '1')
              end
            end
            -- the records read in this run, topic to {count, oldest, newest, newest evicted ('-': none)} or false
            -- when it holds nothing; a count includes the event being published, whose id is not known yet (then
            -- oldest and newest may be nil)
            local records, dirty = {}, {}
            local function record(t)
              if records[t] == nil then
                local r = redis.call('HGET', TOPICS, t)
                if r then
                  local n, oldest, newest, floor = string.match(r, '^(%d+) (%S+) (%S+) (%S+)$')
                  records[t] = {tonumber(n), oldest, newest, floor}
                else
                  records[t] = false
                end
              end
              return records[t]
            end
            -- the topic's place among those holding n events, by its oldest (unknown yet: last of its level)
            local function place(t, n, oldest)
              local s = oldest and score(oldest) or '+inf'
              redis.call('ZADD', level(n), s, t)
              if aged then redis.call('ZADD', AGE, s, t) end
              if n > top then top = n end
            end
            local function forget(t)
              redis.call('ZADD', FORGOTTEN, redis.call('INCR', FORGOTTEN_SEQ), t)
              if redis.call('ZCARD', FORGOTTEN) > cap then
                local eldest = redis.call('ZPOPMIN', FORGOTTEN)[1]
                local floor = redis.call('HGET', EVICTED, eldest)
                redis.call('HDEL', EVICTED, eldest)
                if floor and (not folded or newer(floor, folded)) then
                  folded = floor
                  redis.call('SET', FOLDED, floor)
                end
              end
            end
            local evicted
            local function evictOldest(t, reason)
              local r = record(t)
              local n, id = r[1], r[2]
              local following = redis.call('HGET', NEXT, id)
              if following then redis.call('HDEL', NEXT, id) end
              redis.call('HDEL', HELD, id)
              held = held - 1
              evicted[#evicted + 1] = reason .. ' ' .. t .. ' ' .. id
              redis.call('ZREM', level(n), t)
              if n == top and redis.call('EXISTS', level(n)) == 0 then top = n - 1 end
              dirty[t] = true
              if n == 1 then
                records[t] = false
                if aged then redis.call('ZREM', AGE, t) end
                redis.call('HSET', EVICTED, t, id)
                forget(t)
              else
                -- with no following event, what is left of t is the event being published
                r[1], r[2], r[4] = n - 1, following, id
                place(t, n - 1, following)
              end
            end
            -- one event, decided as if it were published alone; answers its id
            local function publish(topic, fields, retain)
              evicted = {}
              if maxAge > 0 then
                local now = redis.call('TIME')
                local cutoff = (tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - maxAge) * 1024
                while true do
                  local oldest = redis.call('ZRANGE', AGE, 0, 0, 'WITHSCORES')
                  if not oldest[1] or tonumber(oldest[2]) >= cutoff then break end
                  evictOldest(oldest[1], 'age')
                end
              end
              -- the new event counts: its topic may be the one that gives way
              local r = record(topic)
              if r then
                redis.call('ZREM', level(r[1]), topic)
                r[1] = r[1] + 1
                place(topic, r[1], r[2])
              else
                -- what it remembers of its evicted events, if it was forgotten by name; else the folded id
                local floor = folded or '-'
                if redis.call('ZREM', FORGOTTEN, topic) == 1 then
                  floor = redis.call('HGET', EVICTED, topic)
                  redis.call('HDEL', EVICTED, topic)
                end
                -- not placed before its id is known: with one event, it is never the one to give way
                r = {1, nil, nil, floor}
                records[topic] = r
              end
              dirty[topic] = true
              held = held + 1
              while held > cap and top > 0 do
                evictOldest(redis.call('ZRANGE', level(top), 0, 0)[1], 'space')
              end
              local entry = {unpack(fields)}
              if #evicted > 0 then
                entry[#entry + 1] = 'evicted'
                entry[#entry + 1] = table.concat(evicted, ' ')
              end
              if retain then
                entry[#entry + 1] = 'retain'
                entry[#entry + 1] = '1'
              end
              -- never trimmed below this run's events: nodes read them only once the run is over
              local id = redis.call('XADD', EVENTS, 'MAXLEN', '~', math.max(cap, count), '*', unpack(entry))
              redis.call('HSET', HELD, id, cjson.encode(fields))
              if r[2] then
                redis.call('HSET', NEXT, r[3], id)
              else
                r[2] = id
                place(topic, r[1], id)
              end
              r[3] = id
              if retain then
                -- kept apart from the held events: fair retention may evict the event, never its retained copy
                redis.call('HSET', RETAINED, topic, cjson.encode({id, fields}))
              end
              return id
            end
            local ids = {}
            for _, e in ipairs(events) do
              ids[#ids + 1] = publish(e[1], {unpack(ARGV, e[3], e[4])}, e[2])
            end
            for t in pairs(dirty) do
              local r = records[t]
              if r then
                redis.call('HSET', TOPICS, t, r[1] .. ' ' .. r[2] .. ' ' .. r[3] .. ' ' .. r[4])
              else
                redis.call('HDEL', TOPICS, t)
              end
            end
            if top ~= topBefore then redis.call('SET', TOP, top) end
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

    /** The newest evicted id in a topic's record ({@code "count oldest newest floor"}), or null when none was. */
    static String floor(String record) {
        String floor = record.substring(record.lastIndexOf(' ') + 1);
        return floor.equals("-") ? null : floor;
    }
}
