package dev.herald.backbone.redis;

/**
 * The Lua scripts that keep Herald's history in Redis fair and its retained events shared: one publishes, one reads
 * what is held, one clears a retained event. Redis runs each at once, so every node sees the same decisions in the
 * same order.
 *
 * <p>Keys, all under {@code herald:}:
 * <ul>
 * <li>{@code events}: the stream every node reads for delivery, trimmed to about {@code herald.history.size};
 * an entry's {@code evicted} field lists what its publish evicted ({@code reason topic id ...});</li>
 * <li>{@code topic:<topic>}: a stream per topic ({@code topic:$none} for events without one) holding the events
 * events under the same ids; only its oldest entries are ever deleted, so Redis frees their memory;</li>
 * <li>{@code retention:sizes} (sorted set, topic by event count), {@code retention:level:<n>} (the topics holding n,
 * by their oldest id), {@code retention:oldest} (topics by their oldest id, for the age limit),
 * {@code retention:held} (events held in all);</li>
 * <li>{@code retention:evicted} (hash, topic to the newest evicted id), {@code retention:forgotten} (sorted set of
 * the topics that hold nothing, in the order they were emptied, at most {@code herald.history.size}),
 * {@code retention:folded} (the newest evicted id of the topics forgotten beyond that), {@code retention:base}
 * (everything up to this id is gone: the newest event when fair retention first ran on this Redis);</li>
 * <li>{@code retained} (hash, topic to its retained event as {@code [id, [field, value, ...]]} in JSON): at most
 * {@code herald.retained.max-topics} topics, a bound the publish script keeps for every node; apart from the
 * topics' streams, so eviction never touches it. A clear is an entry {@code cleared} = topic in {@code events}.</li>
 * </ul>
 * An id orders in a sorted set as {@code millis * 1024 + min(sequence, 1023)}: exact to the millisecond, so the
 * tie between two topics whose oldest events share a millisecond beyond the 1023rd may go by name rather than id.
 * Nodes apply the script's decisions, so they agree even then.
 *
 * <p>All run by SHA-1 ({@link LuaScript}): a publish sends its arguments, not the script.
 */
final class RetentionScripts {

    /** The key of events without a topic: {@code $} starts no publishable topic. */
    static final String NO_TOPIC = "$none";

    /**
     * The publish script's whole answer when the bound of retained topics refuses it: a fingerprint is hex or empty,
     * so it is never taken for one.
     */
    static final String RETAINED_FULL = "!retained_full";

    private static final String COMMON = """
            local P = ARGV[1]
            local EVENTS, BASE = P .. 'events', P .. 'retention:base'
            local SIZES, OLDEST, HELD = P .. 'retention:sizes', P .. 'retention:oldest', P .. 'retention:held'
            local EVICTED, FORGOTTEN = P .. 'retention:evicted', P .. 'retention:forgotten'
            local RETAINED = P .. 'retained'
            local FOLDED, FORGOTTEN_SEQ = P .. 'retention:folded', P .. 'retention:forgotten:seq'
            local function level(n) return P .. 'retention:level:' .. n end
            local function stream(t) return P .. 'topic:' .. t end
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
            -- the first run on this Redis: what the delivery stream already has was never kept per topic
            if redis.call('EXISTS', BASE) == 0 then
              local last = redis.call('XREVRANGE', EVENTS, '+', '-', 'COUNT', 1)
              redis.call('SET', BASE, last[1] and last[1][1] or '0-0')
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
            local held = tonumber(redis.call('GET', HELD) or '0')
            -- of the event being published: what it evicts, and the topics whose oldest it is, set once its id is known
            local evicted, pending
            local function place(t, n, oldest)
              if n > 0 then
                redis.call('ZADD', SIZES, n, t)
                redis.call('ZADD', level(n), oldest, t)
                redis.call('ZADD', OLDEST, oldest, t)
              else
                redis.call('ZREM', SIZES, t)
                redis.call('ZREM', OLDEST, t)
              end
            end
            local function evictOldest(t, reason)
              local n = tonumber(redis.call('ZSCORE', SIZES, t))
              local first = redis.call('XRANGE', stream(t), '-', '+', 'COUNT', 2)
              local id = first[1][1]
              redis.call('XDEL', stream(t), id)
              held = held - 1
              evicted[#evicted + 1] = reason .. ' ' .. t .. ' ' .. id
              redis.call('ZREM', level(n), t)
              redis.call('HSET', EVICTED, t, id)
              if n == 1 then
                place(t, 0)
                redis.call('DEL', stream(t))
                redis.call('ZADD', FORGOTTEN, redis.call('INCR', FORGOTTEN_SEQ), t)
                if redis.call('ZCARD', FORGOTTEN) > cap then
                  local eldest = redis.call('ZPOPMIN', FORGOTTEN)[1]
                  local floor = redis.call('HGET', EVICTED, eldest)
                  redis.call('HDEL', EVICTED, eldest)
                  local folded = redis.call('GET', FOLDED)
                  if floor and (not folded or newer(floor, folded)) then
                    redis.call('SET', FOLDED, floor)
                  end
                end
              elseif first[2] then
                place(t, n - 1, score(first[2][1]))
              else
                -- what is left of t is the event being published
                place(t, n - 1, '+inf')
                pending[t] = true
              end
            end
            -- one event, decided as if it were published alone; answers its id
            local function publish(topic, fields, retain)
              evicted, pending = {}, {}
              if maxAge > 0 then
                local now = redis.call('TIME')
                local cutoff = (tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - maxAge) * 1024
                while true do
                  local oldest = redis.call('ZRANGE', OLDEST, 0, 0, 'WITHSCORES')
                  if not oldest[1] or tonumber(oldest[2]) >= cutoff then break end
                  evictOldest(oldest[1], 'age')
                end
              end
              -- the new event counts: its topic may be the one that gives way
              local n = tonumber(redis.call('ZSCORE', SIZES, topic) or '0')
              if n > 0 then
                redis.call('ZREM', level(n), topic)
                place(topic, n + 1, redis.call('ZSCORE', OLDEST, topic))
              else
                if redis.call('ZREM', FORGOTTEN, topic) == 0 and redis.call('HEXISTS', EVICTED, topic) == 0 then
                  local folded = redis.call('GET', FOLDED)
                  if folded then redis.call('HSET', EVICTED, topic, folded) end
                end
                place(topic, 1, '+inf')
                pending[topic] = true
              end
              held = held + 1
              while held > cap do
                local top = redis.call('ZREVRANGE', SIZES, 0, 0, 'WITHSCORES')
                evictOldest(redis.call('ZRANGE', level(top[2]), 0, 0)[1], 'space')
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
              redis.call('XADD', stream(topic), id, unpack(fields))
              if retain then
                -- kept apart from the topic's stream: fair retention may evict the event, never its retained copy
                redis.call('HSET', RETAINED, topic, cjson.encode({id, fields}))
              end
              for t in pairs(pending) do
                if redis.call('ZSCORE', SIZES, t) then
                  local size = tonumber(redis.call('ZSCORE', SIZES, t))
                  place(t, size, score(id))
                end
              end
              return id
            end
            local ids = {}
            for _, e in ipairs(events) do
              ids[#ids + 1] = publish(e[1], {unpack(ARGV, e[3], e[4])}, e[2])
            end
            redis.call('SET', HELD, held)
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
     * ARGV: prefix. Answers {newest entry of the delivery stream ('0-0' when empty), its newest event ('0-0' when
     * none), base, folded ('' when none), forgotten topics oldest first, evicted as topic and id alternating, the
     * retained events as topic and entry JSON alternating, then each held topic's entries}. The reader goes on after
     * the newest entry; the history's position is the newest event, as on a node that read them live (a clear's
     * entry is no event: no client's Last-Event-ID may name it).
     */
    static final LuaScript SNAPSHOT = new LuaScript(COMMON + """
            local newest = redis.call('XREVRANGE', EVENTS, '+', '-', 'COUNT', 1)
            local newestEvent, before = '0-0', '+'
            -- past the clears' entries at the end (at most one per retained topic cleared since the last event);
            -- each page starts at the last one seen (an exclusive range needs Redis 6.2)
            while newestEvent == '0-0' do
              local page = redis.call('XREVRANGE', EVENTS, before, '-', 'COUNT', 100)
              for _, entry in ipairs(page) do
                local clear = false
                for i = 1, #entry[2], 2 do
                  if entry[2][i] == 'cleared' then clear = true end
                end
                if not clear then
                  newestEvent = entry[1]
                  break
                end
              end
              if #page < 100 then break end
              before = page[#page][1]
            end
            local answer = {newest[1] and newest[1][1] or '0-0', newestEvent, redis.call('GET', BASE),
              redis.call('GET', FOLDED) or '', redis.call('ZRANGE', FORGOTTEN, 0, -1),
              redis.call('HGETALL', EVICTED), redis.call('HGETALL', RETAINED)}
            for _, t in ipairs(redis.call('ZRANGE', SIZES, 0, -1)) do
              answer[#answer + 1] = redis.call('XRANGE', stream(t), '-', '+')
            end
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
}
