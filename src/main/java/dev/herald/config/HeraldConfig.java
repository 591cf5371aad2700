package dev.herald.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Herald's settings, read once at deployment, typed, each with a named default and a range. */
public record HeraldConfig(
        int retryMs,
        int heartbeatSeconds,
        int historySize,
        int topicsPerConnection,
        int eventMaxBytes,
        int subscriberQueueSize,
        RedisUri redisUri,
        boolean open,
        String jwtSecret,
        String jwtPublicKey,
        List<String> privateTopics,
        Limits limits,
        List<String> corsOrigins,
        int maxLifetimeSeconds,
        int historyMaxAgeSeconds,
        Batch batch,
        int retainedMaxTopics,
        int retainedPerStream,
        Jwt jwt,
        Hook hook) {

    /**
     * Settings for the old 18 components, for tests that build settings by hand: no identity provider, no issuer,
     * audience or roles claim.
     */
    public HeraldConfig(int retryMs, int heartbeatSeconds, int historySize, int topicsPerConnection, int eventMaxBytes,
            int subscriberQueueSize, RedisUri redisUri, boolean open, String jwtSecret, String jwtPublicKey,
            List<String> privateTopics, Limits limits, List<String> corsOrigins, int maxLifetimeSeconds,
            int historyMaxAgeSeconds, Batch batch, int retainedMaxTopics, int retainedPerStream) {
        this(retryMs, heartbeatSeconds, historySize, topicsPerConnection, eventMaxBytes, subscriberQueueSize, redisUri,
                open, jwtSecret, jwtPublicKey, privateTopics, limits, corsOrigins, maxLifetimeSeconds,
                historyMaxAgeSeconds, batch, retainedMaxTopics, retainedPerStream, Jwt.NONE);
    }

    /** Settings for the 19 components before the authorization hook, for tests that build settings by hand. */
    public HeraldConfig(int retryMs, int heartbeatSeconds, int historySize, int topicsPerConnection, int eventMaxBytes,
            int subscriberQueueSize, RedisUri redisUri, boolean open, String jwtSecret, String jwtPublicKey,
            List<String> privateTopics, Limits limits, List<String> corsOrigins, int maxLifetimeSeconds,
            int historyMaxAgeSeconds, Batch batch, int retainedMaxTopics, int retainedPerStream, Jwt jwt) {
        this(retryMs, heartbeatSeconds, historySize, topicsPerConnection, eventMaxBytes, subscriberQueueSize, redisUri,
                open, jwtSecret, jwtPublicKey, privateTopics, limits, corsOrigins, maxLifetimeSeconds,
                historyMaxAgeSeconds, batch, retainedMaxTopics, retainedPerStream, jwt, Hook.NONE);
    }

    /**
     * The application's authorization hook: the URL Herald asks who a cookie-bearing stream is ({@code url}, null
     * when unset: no hook), how long it waits, how many calls it has in flight, and how long it keeps an answer.
     */
    public record Hook(String url, int timeoutMs, int concurrency, int cacheSeconds) {

        public static final Hook NONE = new Hook(null, DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_HOOK_CONCURRENCY,
                DEFAULT_HOOK_CACHE_SECONDS);

        public boolean isSet() {
            return url != null;
        }
    }

    /**
     * Tokens from an identity provider (OpenID Connect): where its keys are ({@code jwksUri}, or found from
     * {@code issuer}), what {@code iss} and {@code aud} must say, and which claim lists roles that grant topics.
     * Issuer, audience and roles claim apply whatever verifies the signature; null means unset.
     */
    public record Jwt(String jwksUri, String issuer, String audience, String rolesClaim, int jwksRefreshSeconds) {

        public static final Jwt NONE = new Jwt(null, null, null, null, DEFAULT_JWKS_REFRESH_SECONDS);

        /** Whether Herald fetches its keys from a provider (a JWKS URI, given or discovered from the issuer). */
        public boolean hasProvider() {
            return jwksUri != null || issuer != null;
        }
    }

    /** How many events one publish may carry, and in how many bytes. */
    public record Batch(int maxEvents, int maxBytes) {
    }

    /** How much one client, and all of them, may take. */
    public record Limits(int connections, int connectionsPerAddress, int publishPerSecond, List<String> trustedProxies) {
        public Limits {
            trustedProxies = List.copyOf(trustedProxies);
        }
    }

    public static final String RETRY_MS = "herald.retry.ms";
    public static final String HEARTBEAT_SECONDS = "herald.heartbeat.seconds";
    public static final String HISTORY_SIZE = "herald.history.size";
    public static final String TOPICS_PER_CONNECTION = "herald.limits.topics-per-connection";
    public static final String EVENT_MAX_BYTES = "herald.event.max-bytes";
    public static final String SUBSCRIBER_QUEUE_SIZE = "herald.subscriber.queue-size";
    public static final String REDIS_URI = "herald.redis.uri";
    public static final String OPEN = "herald.open";
    public static final String JWT_SECRET = "herald.jwt.secret";
    public static final String JWT_PUBLIC_KEY = "herald.jwt.public-key";
    public static final String JWT_JWKS_URI = "herald.jwt.jwks-uri";
    public static final String JWT_ISSUER = "herald.jwt.issuer";
    public static final String JWT_AUDIENCE = "herald.jwt.audience";
    public static final String JWT_ROLES_CLAIM = "herald.jwt.roles-claim";
    public static final String JWT_JWKS_REFRESH_SECONDS = "herald.jwt.jwks-refresh-seconds";
    static final int DEFAULT_JWKS_REFRESH_SECONDS = 300;
    public static final String HOOK_URL = "herald.auth.hook-url";
    public static final String HOOK_TIMEOUT_MS = "herald.auth.hook-timeout-ms";
    public static final String HOOK_CONCURRENCY = "herald.auth.hook-concurrency";
    public static final String HOOK_CACHE_SECONDS = "herald.auth.hook-cache-seconds";
    static final int DEFAULT_HOOK_TIMEOUT_MS = 2000;
    static final int DEFAULT_HOOK_CONCURRENCY = 64;
    static final int DEFAULT_HOOK_CACHE_SECONDS = 30;
    public static final String PRIVATE_TOPICS = "herald.topics.private";
    public static final String CONNECTIONS = "herald.limits.connections";
    public static final String CONNECTIONS_PER_ADDRESS = "herald.limits.connections-per-address";
    public static final String PUBLISH_PER_SECOND = "herald.limits.publish-per-second";
    public static final String TRUSTED_PROXIES = "herald.trusted-proxies";
    public static final String CORS_ORIGINS = "herald.cors.origins";
    public static final String MAX_LIFETIME = "herald.stream.max-lifetime";
    public static final String HISTORY_MAX_AGE = "herald.history.max-age";
    public static final String BATCH_MAX = "herald.publish.batch-max";
    public static final String BATCH_MAX_BYTES = "herald.publish.batch-max-bytes";
    public static final String RETAINED_MAX_TOPICS = "herald.retained.max-topics";
    public static final String RETAINED_PER_STREAM = "herald.limits.retained-per-stream";
    /** HS256 needs a key as long as its hash: RFC 7518 section 3.2. */
    public static final int MIN_SECRET_BYTES = 32;

    /** Reads every key through {@code lookup} (null means unset); an invalid value names its key. */
    public static HeraldConfig read(UnaryOperator<String> lookup) {
        Reader reader = new Reader(lookup);
        HeraldConfig config = new HeraldConfig(
                // the browser's reconnection delay; EventSource accepts any, above 10 minutes nobody waits
                reader.integer(RETRY_MS, 3000, 1, 600_000),
                // a proxy's idle timeout is rarely under 30 s; an hour is the longest a dead client may linger
                reader.integer(HEARTBEAT_SECONDS, 15, 1, 3600),
                // each event is at most event.max-bytes, so this bounds the history's memory
                reader.integer(HISTORY_SIZE, 10_000, 1, 1_000_000),
                // every topic is a route lookup per event; 1024 covers any page without letting one client fan out
                reader.integer(TOPICS_PER_CONNECTION, 64, 1, 1024),
                // one event, alone or in a batch; 16 MiB is far beyond what SSE clients should parse per event
                reader.integer(EVENT_MAX_BYTES, 64 * 1024, 256, 16 * 1024 * 1024),
                // live events waiting for one client before it is dropped as too slow (it catches up on reconnect)
                reader.integer(SUBSCRIBER_QUEUE_SIZE, 1000, 1, 1_000_000),
                // unset: one node, everything in memory
                reader.redisUri(REDIS_URI),
                // a developer's machine only: anyone may publish and see who is connected
                reader.bool(OPEN, false),
                reader.secret(JWT_SECRET),
                reader.text(JWT_PUBLIC_KEY),
                // a user's own topic is nobody else's business unless the deployer says otherwise
                reader.patterns(PRIVATE_TOPICS, "user/*"),
                new Limits(
                        // one node's streams: past this, 503 and Retry-After send clients to another node
                        reader.integer(CONNECTIONS, 20_000, 1, 10_000_000),
                        // a page opens a handful; a NATed office of a few hundred people stays well under
                        reader.integer(CONNECTIONS_PER_ADDRESS, 500, 1, 10_000_000),
                        // per token subject, container user or address; a backend publishing faster batches
                        reader.integer(PUBLISH_PER_SECOND, 1000, 1, 10_000_000),
                        reader.list(TRUSTED_PROXIES)),
                reader.list(CORS_ORIGINS),
                // long enough that reconnects are rare, short enough to rebalance nodes after a rolling restart
                reader.seconds(MAX_LIFETIME, 3600, 10, 7 * 24 * 3600),
                // unset (0): events go only when the history is full; at most a month, as no client sleeps longer
                reader.seconds(HISTORY_MAX_AGE, 0, 1, 30 * 24 * 3600),
                new Batch(
                        // one batch is one run of the publish script, which holds Redis for all its events
                        reader.integer(BATCH_MAX, 100, 1, 1000),
                        // the whole body is held in memory before any event is stored
                        reader.integer(BATCH_MAX_BYTES, 1024 * 1024, 256, 64 * 1024 * 1024)),
                // each retained topic holds one event for good (a few hundred bytes plus its data): publishers
                // naming a topic per item must not grow the heap without end
                reader.integer(RETAINED_MAX_TOPICS, 100_000, 1, 10_000_000),
                // a wildcard may match millions of retained topics: one stream's opening, or one GET, stays bounded
                reader.integer(RETAINED_PER_STREAM, 1000, 1, 100_000),
                new Jwt(reader.url(JWT_JWKS_URI), reader.url(JWT_ISSUER), reader.text(JWT_AUDIENCE),
                        reader.claimPath(JWT_ROLES_CLAIM),
                        // a provider rotates keys over days and the unknown-kid fetch covers the gap; at least
                        // 10 s (the refetch floor), at most a day, so a removed key stops working within one
                        reader.integer(JWT_JWKS_REFRESH_SECONDS, DEFAULT_JWKS_REFRESH_SECONDS, 10, 86_400)),
                new Hook(reader.hookUrl(HOOK_URL),
                        // a browser waits this long for its stream at worst; past 30 s the application is down
                        reader.integer(HOOK_TIMEOUT_MS, DEFAULT_HOOK_TIMEOUT_MS, 100, 30_000),
                        // each call in flight holds one of Herald's threads (not a request's) and one of the
                        // application's: a reconnect storm must not become a storm against the application
                        reader.integer(HOOK_CONCURRENCY, DEFAULT_HOOK_CONCURRENCY, 1, 1024),
                        // how long a logged-out session keeps listening unless DELETE ?sub= purges it (0: no cache)
                        reader.integer(HOOK_CACHE_SECONDS, DEFAULT_HOOK_CACHE_SECONDS, 0, 3600)));
        config.checkTokenSources();
        return config;
    }

    /**
     * One way to verify signatures, never two: with a secret and a provider both set, a token would pass with
     * either, and a deployer who meant to replace one would keep both. A provider needs an audience, or any token
     * it issued for any other application would pass here too.
     */
    private void checkTokenSources() {
        List<String> named = new ArrayList<>();
        int sources = 0;
        if (jwtSecret != null) {
            named.add(JWT_SECRET);
            sources++;
        }
        if (jwtPublicKey != null) {
            named.add(JWT_PUBLIC_KEY);
            sources++;
        }
        if (jwt.hasProvider()) {
            named.addAll(jwt.jwksUri() != null && jwt.issuer() != null ? List.of(JWT_JWKS_URI, JWT_ISSUER)
                    : List.of(jwt.jwksUri() != null ? JWT_JWKS_URI : JWT_ISSUER));
            sources++;
        }
        if (sources > 1) {
            throw new InvalidConfigException(String.join(", ", named), "set only one of " + JWT_SECRET + ", "
                    + JWT_PUBLIC_KEY + " and " + JWT_JWKS_URI + "/" + JWT_ISSUER + " (a provider's keys)");
        }
        if (jwt.hasProvider() && jwt.audience() == null) {
            throw new InvalidConfigException(JWT_AUDIENCE, "required with " + (jwt.jwksUri() != null ? JWT_JWKS_URI
                    : JWT_ISSUER) + ": the client id (or API identifier) the provider puts in the tokens' aud for "
                    + "Herald, so tokens it issued for other applications are refused");
        }
    }

    /** The effective settings by key, for the start-up log line. */
    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(RETRY_MS, retryMs);
        map.put(HEARTBEAT_SECONDS, heartbeatSeconds);
        map.put(HISTORY_SIZE, historySize);
        map.put(TOPICS_PER_CONNECTION, topicsPerConnection);
        map.put(EVENT_MAX_BYTES, eventMaxBytes);
        map.put(SUBSCRIBER_QUEUE_SIZE, subscriberQueueSize);
        map.put(REDIS_URI, redisUri == null ? "(unset: in memory)" : redisUri.masked());
        map.put(OPEN, open);
        map.put(JWT_SECRET, jwtSecret == null ? "(unset)" : "(set, " + jwtSecret.getBytes(StandardCharsets.UTF_8).length
                + " bytes)");
        map.put(JWT_PUBLIC_KEY, jwtPublicKey == null ? "(unset)" : "(set)");
        map.put(JWT_JWKS_URI, jwt.jwksUri() == null ? "(unset)" : jwt.jwksUri());
        map.put(JWT_ISSUER, jwt.issuer() == null ? "(unset)" : jwt.issuer());
        map.put(JWT_AUDIENCE, jwt.audience() == null ? "(unset)" : jwt.audience());
        map.put(JWT_ROLES_CLAIM, jwt.rolesClaim() == null ? "(unset)" : jwt.rolesClaim());
        map.put(JWT_JWKS_REFRESH_SECONDS, jwt.jwksRefreshSeconds() + "s");
        map.put(HOOK_URL, hook.url() == null ? "(unset)" : hook.url());
        map.put(HOOK_TIMEOUT_MS, hook.timeoutMs() + "ms");
        map.put(HOOK_CONCURRENCY, hook.concurrency());
        map.put(HOOK_CACHE_SECONDS, hook.cacheSeconds() + "s");
        map.put(PRIVATE_TOPICS, String.join(",", privateTopics));
        map.put(CONNECTIONS, limits.connections());
        map.put(CONNECTIONS_PER_ADDRESS, limits.connectionsPerAddress());
        map.put(PUBLISH_PER_SECOND, limits.publishPerSecond());
        map.put(TRUSTED_PROXIES, String.join(",", limits.trustedProxies()));
        map.put(CORS_ORIGINS, String.join(",", corsOrigins));
        map.put(MAX_LIFETIME, maxLifetimeSeconds + "s");
        map.put(HISTORY_MAX_AGE, historyMaxAgeSeconds == 0 ? "(unset: no age limit)" : historyMaxAgeSeconds + "s");
        map.put(BATCH_MAX, batch.maxEvents());
        map.put(BATCH_MAX_BYTES, batch.maxBytes());
        map.put(RETAINED_MAX_TOPICS, retainedMaxTopics);
        map.put(RETAINED_PER_STREAM, retainedPerStream);
        return map;
    }

    /** The settings with secrets masked, so that a record printed by accident leaks nothing. */
    @Override
    public String toString() {
        return "HeraldConfig" + asMap();
    }

    private record Reader(UnaryOperator<String> lookup) {

        boolean bool(String key, boolean defaultValue) {
            String raw = lookup.apply(key);
            if (raw == null || raw.isBlank()) {
                return defaultValue;
            }
            return switch (raw.trim()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new InvalidConfigException(key, "'" + raw + "' is neither true nor false");
            };
        }

        /** Comma-separated topic patterns: names, {@code prefix/*}, or {@code *}; an empty value means none. */
        List<String> patterns(String key, String defaultValue) {
            String raw = lookup.apply(key);
            if (raw == null) {
                raw = defaultValue;
            }
            List<String> patterns = new ArrayList<>();
            for (String part : raw.split(",")) {
                String pattern = part.trim();
                if (pattern.isEmpty()) {
                    continue;
                }
                String name = pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 2) : pattern;
                if (!pattern.equals("*") && !name.matches("[A-Za-z0-9._:/-]{1,128}")) {
                    throw new InvalidConfigException(key, "'" + pattern + "' is not a topic, prefix/* or *");
                }
                patterns.add(pattern);
            }
            return List.copyOf(patterns);
        }

        /** A duration: whole seconds, or a number with {@code s}, {@code m} or {@code h}. */
        int seconds(String key, int defaultValue, int min, int max) {
            String raw = lookup.apply(key);
            if (raw == null || raw.isBlank()) {
                return defaultValue;
            }
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("([0-9]{1,9})([smh]?)").matcher(raw.trim());
            if (!matcher.matches()) {
                throw new InvalidConfigException(key, "'" + raw + "' is not a duration such as 3600, 90m or 1h");
            }
            long value = Long.parseLong(matcher.group(1)) * switch (matcher.group(2)) {
                case "m" -> 60;
                case "h" -> 3600;
                default -> 1;
            };
            if (value < min || value > max) {
                throw new InvalidConfigException(key, value + " s is outside " + min + ".." + max + " s");
            }
            return (int) value;
        }

        /** Comma-separated values, trimmed; none when unset or empty. */
        List<String> list(String key) {
            String raw = lookup.apply(key);
            if (raw == null || raw.isBlank()) {
                return List.of();
            }
            return java.util.Arrays.stream(raw.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
        }

        /**
         * An http(s) URL without user info: a provider's issuer or JWKS endpoint (a URL with a password in it would
         * end up in the start-up log line).
         */
        String url(String key) {
            String raw = text(key);
            if (raw != null) {
                httpUrl(key, raw);
            }
            return raw;
        }

        /**
         * The hook's URL: {@code https:}, or {@code http:} to a loopback address only, since the request carries the
         * user's cookie, which must not cross a network in clear. No user info (it would be logged), no fragment.
         */
        String hookUrl(String key) {
            String raw = text(key);
            if (raw == null) {
                return null;
            }
            java.net.URI uri = httpUrl(key, raw);
            if (!"https".equalsIgnoreCase(uri.getScheme()) && !isLoopback(uri.getHost())) {
                throw new InvalidConfigException(key, "'" + raw + "' must be https:, or http: to a loopback address "
                        + "(127.0.0.1, [::1], localhost): the request carries the user's cookie");
            }
            return raw;
        }

        /** {@code raw} as an http or https URL with a host, without user info or a fragment; else the start stops. */
        private static java.net.URI httpUrl(String key, String raw) {
            java.net.URI uri;
            try {
                uri = new java.net.URI(raw);
            } catch (java.net.URISyntaxException e) {
                throw new InvalidConfigException(key, "'" + raw + "' is not a URL: " + e.getReason());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
                throw new InvalidConfigException(key, "'" + raw + "' is not an http or https URL with a host");
            }
            if (uri.getUserInfo() != null || uri.getFragment() != null) {
                // not quoted: the user info may hold a password, which must not reach the log
                throw new InvalidConfigException(key, "a URL with user info or a fragment is refused: user info "
                        + "would reach the log");
            }
            return uri;
        }

        /** Loopback by its text, never by a DNS look-up: a name that resolves to 127.0.0.1 today may not tomorrow. */
        private static boolean isLoopback(String host) {
            String h = host.toLowerCase(java.util.Locale.ROOT);
            return h.equals("localhost") || h.equals("[::1]") || h.equals("[0:0:0:0:0:0:0:1]")
                    || h.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
        }

        /** A dot-separated path of claim names, such as {@code realm_access.roles}. */
        String claimPath(String key) {
            String raw = text(key);
            if (raw != null && !raw.matches("[^.\\s]{1,128}(\\.[^.\\s]{1,128}){0,7}")) {
                throw new InvalidConfigException(key, "'" + raw + "' is not a dot-separated claim path such as "
                        + "realm_access.roles (at most 8 names, none empty)");
            }
            return raw;
        }

        String text(String key) {
            String raw = lookup.apply(key);
            return raw == null || raw.isBlank() ? null : raw.trim();
        }

        /** Never echoed back: an invalid secret's message says what is wrong, not what it is. */
        String secret(String key) {
            String raw = lookup.apply(key);
            if (raw == null || raw.isEmpty()) {
                return null;
            }
            int bytes = raw.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < MIN_SECRET_BYTES) {
                throw new InvalidConfigException(key, "the secret has " + bytes + " bytes; HS256 needs at least "
                        + MIN_SECRET_BYTES);
            }
            return raw;
        }

        RedisUri redisUri(String key) {
            String raw = lookup.apply(key);
            if (raw == null || raw.isBlank()) {
                return null;
            }
            try {
                return RedisUri.parse(raw.trim());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(key, e.getMessage());
            }
        }

        int integer(String key, int defaultValue, int min, int max) {
            String raw = lookup.apply(key);
            if (raw == null || raw.isBlank()) {
                return defaultValue;
            }
            int value;
            try {
                value = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(key, "'" + raw + "' is not a whole number");
            }
            if (value < min || value > max) {
                throw new InvalidConfigException(key, value + " is outside " + min + ".." + max);
            }
            return value;
        }
    }
}
