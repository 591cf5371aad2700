package dev.herald.bench;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything one run is told: from the command line with {@link #parse}, or from a test with {@link #builder()}.
 * Checked when built, so a bad value fails before any connection is opened.
 */
public record LoadOptions(String label, Target target, URI base, URI publishBase, String token, String context, String topic, int subscribers,
        int events, double rate, int publishers, int payloadBytes, double connectRate, int connectBatch,
        int connectTimeoutSeconds, int stalled, int stalledRcvbuf, int stallSeconds, int reconnectAfter,
        boolean reconnectOnEof, int drainSeconds, int idleSeconds, boolean idleOnly, List<Long> serverPids,
        boolean jvm, int deadlineSeconds, int selectors, boolean progress, Path out, int publishRetrySeconds,
        int wildcardPercent) {

    /** The only host the tool connects to: it is a benchmark of a server on this machine, never of someone else's. */
    public static final String LOOPBACK = "127.0.0.1";
    /** Bits of received-event sets over all subscribers (512 MiB): more would not fit a sensible load tool heap. */
    private static final long MAX_RECEIVED_BITS = 4_000_000_000L;
    /** Herald's topic characters; nchan channels also go in the path, so there without {@code :} and {@code /}. */
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public static final String USAGE = """
            usage: java -cp target/test-classes dev.herald.bench.LoadTool [options]
              --target KIND                   herald, express, nchan or floor (bench/floor) (herald)
              --base URL                      server root, http://127.0.0.1:PORT only (http://127.0.0.1:8080)
              --publish-base URL              publish to this server instead (another node of a cluster) (--base)
              --token JWT                     herald: publish with Authorization: Bearer JWT (none: herald.open)
              --context PATH                  herald: the WAR's context path (/herald)
              --topic NAME                    herald: subscribe and publish with this topic; nchan, floor: channel (bench)
              --wildcard-percent P            herald: P% of the subscribers, spread evenly, subscribe with the wildcard
                                              that covers --topic (a/b: a/*; a topic without /: *), the others by
                                              name; every one gets every event either way (0)
              --label TEXT                    names the run in the report (run)
              --subscribers N                 subscribers to connect (100)
              --events M                      bench events to publish (100)
              --rate R                        events per second, 0 = as fast as possible (0)
              --publishers P                  publishes in flight at once (4)
              --publish-retry-seconds S       herald: each publish carries its own Idempotency-Key and a failed one
                                              is sent again, same body and key, for up to S seconds (0 = off)
              --payload-bytes B               pad each payload to B bytes (0 = no padding)
              --connect-rate R                new connections per second, 0 = all at once (0)
              --connect-batch N               connections opened per selector pass when not paced (256)
              --connect-timeout S             seconds from connect to headers (to ready on herald) (30)
              --stalled K                     subscribers that stop reading after their first event (0)
              --stalled-rcvbuf B              SO_RCVBUF of stalled subscribers (4096)
              --stall-seconds S               how long they stop reading (20)
              --reconnect-after E             after E events: close all, publish the rest, reconnect all (off)
              --reconnect-on-eof, --no-reconnect-on-eof
                                              reconnect a stream the server ended, with Last-Event-ID (on)
              --drain-seconds S               wait this long for deliveries after the last publish (30)
              --idle-seconds S                hold connections idle this long before measuring memory (5)
              --idle-only                     connect, idle, measure memory, disconnect; publish nothing
              --server-pid PID[,PID...]       measure CPU and RSS of these processes (repeatable)
              --jvm                           the server is a JVM with -XX:NativeMemoryTracking=summary: use jcmd
              --deadline-seconds S            the whole run stops and reports after this long (600)
              --selectors N                   selector threads for the subscribers (1)
              --out FILE                      also write the JSON report to FILE
              --quiet                         no progress lines on stderr
            """;

    public LoadOptions {
        serverPids = List.copyOf(serverPids);
        require(label != null && !label.isBlank(), "--label must not be blank");
        require(target != null, "--target is required");
        checkBase(base);
        if (publishBase == null) {
            publishBase = base;
        }
        checkBase(publishBase);
        require(token == null || token.matches("[A-Za-z0-9._~+/=-]+"), "--token must be a JWT (base64url parts and dots)");
        require(context != null && (context.isEmpty() || context.startsWith("/") && !context.endsWith("/")),
                "--context must be empty or start with / and not end with /");
        if (topic != null) {
            require(target != Target.EXPRESS, "--topic is for herald, nchan and floor only");
            Pattern rule = target == Target.HERALD ? TOPIC : CHANNEL; // nchan and floor take it as a path segment
            require(rule.matcher(topic).matches(), "--topic has characters outside " + rule.pattern());
        }
        range("--subscribers", subscribers, 1, 1_000_000);
        range("--events", events, 0, 100_000_000);
        require((long) subscribers * events <= MAX_RECEIVED_BITS,
                "--subscribers x --events must be at most " + MAX_RECEIVED_BITS + " (each subscriber keeps one bit per event)");
        require(rate >= 0 && rate <= 10_000_000, "--rate must be from 0 to 10000000");
        range("--publishers", publishers, 1, 1024);
        range("--payload-bytes", payloadBytes, 0, 1024 * 1024);
        require(connectRate >= 0 && connectRate <= 10_000_000, "--connect-rate must be from 0 to 10000000");
        range("--connect-batch", connectBatch, 1, 1_000_000);
        range("--connect-timeout", connectTimeoutSeconds, 1, 3600);
        range("--stalled", stalled, 0, subscribers);
        range("--stalled-rcvbuf", stalledRcvbuf, 1, 64 * 1024 * 1024);
        range("--stall-seconds", stallSeconds, 0, 3600);
        range("--reconnect-after", reconnectAfter, -1, events);
        range("--drain-seconds", drainSeconds, 0, 3600);
        range("--idle-seconds", idleSeconds, 0, 3600);
        require(!(idleOnly && reconnectAfter >= 0), "--idle-only publishes nothing, so it cannot --reconnect-after");
        for (long pid : serverPids) {
            require(pid > 0, "--server-pid must be a process id, not " + pid);
        }
        require(!jvm || !serverPids.isEmpty(), "--jvm needs --server-pid");
        range("--deadline-seconds", deadlineSeconds, 1, 7 * 24 * 3600);
        range("--selectors", selectors, 1, 64);
        range("--publish-retry-seconds", publishRetrySeconds, 0, 3600);
        range("--wildcard-percent", wildcardPercent, 0, 100);
        require(wildcardPercent == 0 || target == Target.HERALD && topic != null,
                "--wildcard-percent is for herald, with a --topic for the wildcard to cover");
        require(publishRetrySeconds == 0 || target == Target.HERALD, "--publish-retry-seconds is for herald only");
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether subscriber {@code index} subscribes with the wildcard: {@code --wildcard-percent} of them, every
     * {@code 100/P}-th, so each selector and each connect batch holds both kinds alike.
     */
    boolean subscribesWithWildcard(int index) {
        return (index + 1L) * wildcardPercent / 100 > (long) index * wildcardPercent / 100;
    }

    /** The wildcard that covers {@code --topic}: its parent with {@code /*}, or {@code *} for a topic without one. */
    String wildcard() {
        int slash = topic.lastIndexOf('/');
        return slash <= 0 ? "*" : topic.substring(0, slash) + "/*";
    }

    /** The full URI of {@code path} on the server. */
    URI uri(String path) {
        String prefix = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        return URI.create("http://" + LOOPBACK + ":" + port() + prefix + path);
    }

    int port() {
        return base.getPort() < 0 ? 80 : base.getPort();
    }

    /** The full URI of {@code path} on the server that gets the publishes. */
    URI publishUri(String path) {
        String prefix = publishBase.getRawPath() == null ? "" : publishBase.getRawPath().replaceAll("/+$", "");
        return URI.create("http://" + LOOPBACK + ":" + publishPort() + prefix + path);
    }

    int publishPort() {
        return publishBase.getPort() < 0 ? 80 : publishBase.getPort();
    }

    /**
     * Reads the command line; throws {@link IllegalArgumentException} saying what was wrong. {@code --help} is
     * the caller's to handle.
     */
    public static LoadOptions parse(String... args) {
        Builder builder = builder().progress(true);
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                value = arg.substring(equals + 1);
                arg = arg.substring(0, equals);
            }
            switch (arg) {
                case "--idle-only" -> builder.idleOnly(flag(arg, value));
                case "--jvm" -> builder.jvm(flag(arg, value));
                case "--reconnect-on-eof" -> builder.reconnectOnEof(flag(arg, value));
                case "--no-reconnect-on-eof" -> builder.reconnectOnEof(!flag(arg, value));
                case "--quiet" -> builder.progress(!flag(arg, value));
                default -> {
                    if (value == null) {
                        require(i + 1 < args.length, arg + " needs a value");
                        value = args[++i];
                    }
                    option(builder, pids, arg, value);
                }
            }
        }
        return builder.serverPids(pids).build();
    }

    private static void option(Builder builder, List<Long> pids, String name, String value) {
        switch (name) {
            case "--label" -> builder.label(value);
            case "--target" -> builder.target(Target.of(value));
            case "--base" -> builder.base(baseUri(value));
            case "--publish-base" -> builder.publishBase(baseUri(value));
            case "--token" -> builder.token(value);
            case "--context" -> builder.context(value);
            case "--topic" -> builder.topic(value);
            case "--subscribers" -> builder.subscribers(integer(name, value));
            case "--events" -> builder.events(integer(name, value));
            case "--rate" -> builder.rate(decimal(name, value));
            case "--publishers" -> builder.publishers(integer(name, value));
            case "--payload-bytes" -> builder.payloadBytes(integer(name, value));
            case "--connect-rate" -> builder.connectRate(decimal(name, value));
            case "--connect-batch" -> builder.connectBatch(integer(name, value));
            case "--connect-timeout" -> builder.connectTimeoutSeconds(integer(name, value));
            case "--stalled" -> builder.stalled(integer(name, value));
            case "--stalled-rcvbuf" -> builder.stalledRcvbuf(integer(name, value));
            case "--stall-seconds" -> builder.stallSeconds(integer(name, value));
            case "--reconnect-after" -> builder.reconnectAfter(integer(name, value));
            case "--drain-seconds" -> builder.drainSeconds(integer(name, value));
            case "--idle-seconds" -> builder.idleSeconds(integer(name, value));
            case "--server-pid" -> {
                for (String pid : value.split(",")) {
                    pids.add(number(name, pid.trim()));
                }
            }
            case "--deadline-seconds" -> builder.deadlineSeconds(integer(name, value));
            case "--selectors" -> builder.selectors(integer(name, value));
            case "--publish-retry-seconds" -> builder.publishRetrySeconds(integer(name, value));
            case "--wildcard-percent" -> builder.wildcardPercent(integer(name, value));
            case "--out" -> builder.out(Path.of(value));
            default -> throw new IllegalArgumentException("unknown option " + name);
        }
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equals("true")) {
            return true;
        }
        require(value.equals("false"), name + " takes no value, or =true or =false");
        return false;
    }

    private static int integer(String name, String value) {
        long number = number(name, value);
        require(number >= Integer.MIN_VALUE && number <= Integer.MAX_VALUE, name + " is out of range: " + value);
        return (int) number;
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not " + value, e);
        }
    }

    private static double decimal(String name, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, not " + value, e);
        }
    }

    private static URI baseUri(String value) {
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--base is not a URI: " + value, e);
        }
    }

    private static void checkBase(URI base) {
        require(base != null, "--base is required");
        require("http".equals(base.getScheme()), "--base must be an http:// URI, not " + base);
        require(LOOPBACK.equals(base.getHost()), "--base must be on " + LOOPBACK + " (the tool loads local servers only), not " + base);
        require(base.getUserInfo() == null && base.getRawQuery() == null && base.getRawFragment() == null,
                "--base must have no user, query or fragment: " + base);
        require(base.getPort() == -1 || base.getPort() > 0 && base.getPort() < 65536, "--base has an invalid port: " + base);
    }

    private static void range(String name, int value, int min, int max) {
        require(value >= min && value <= max, name + " must be from " + min + " to " + max + ", not " + value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Builds {@link LoadOptions} with the command line's defaults; {@link #build()} checks the values. */
    public static final class Builder {
        private String label = "run";
        private Target target = Target.HERALD;
        private URI base = URI.create("http://" + LOOPBACK + ":8080");
        private URI publishBase;
        private String token;
        private String context = "/herald";
        private String topic;
        private int subscribers = 100;
        private int events = 100;
        private double rate;
        private int publishers = 4;
        private int payloadBytes;
        private double connectRate;
        private int connectBatch = 256;
        private int connectTimeoutSeconds = 30;
        private int stalled;
        private int stalledRcvbuf = 4096;
        private int stallSeconds = 20;
        private int reconnectAfter = -1;
        private boolean reconnectOnEof = true;
        private int drainSeconds = 30;
        private int idleSeconds = 5;
        private boolean idleOnly;
        private List<Long> serverPids = List.of();
        private boolean jvm;
        private int deadlineSeconds = 600;
        private int selectors = 1;
        private boolean progress = true;
        private Path out;
        private int publishRetrySeconds;
        private int wildcardPercent;

        private Builder() {
        }

        public Builder label(String label) {
            this.label = label;
            return this;
        }

        public Builder target(Target target) {
            this.target = target;
            return this;
        }

        /** The server's root, {@code http://127.0.0.1:PORT}; a path in it goes before every request path. */
        public Builder base(URI base) {
            this.base = base;
            return this;
        }

        /** Where events are published, when not to {@link #base}: another node of the same cluster. */
        public Builder publishBase(URI publishBase) {
            this.publishBase = publishBase;
            return this;
        }

        /** A JWT sent with every publish, for a Herald that is not {@code herald.open}. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** Herald's context path, {@code /herald} by default. */
        public Builder context(String context) {
            this.context = context;
            return this;
        }

        /**
         * Herald deployed at {@code warRoot}, an Arquillian deployment URL such as
         * {@code http://127.0.0.1:18080/herald/}: its port and path are used, and the host is always 127.0.0.1
         * (a server may report another name of this machine).
         */
        public Builder deployment(URL warRoot) {
            int port = warRoot.getPort() < 0 ? warRoot.getDefaultPort() : warRoot.getPort();
            this.base = URI.create("http://" + LOOPBACK + ":" + port);
            this.context = warRoot.getPath().replaceAll("/+$", "");
            this.target = Target.HERALD;
            return this;
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder subscribers(int subscribers) {
            this.subscribers = subscribers;
            return this;
        }

        public Builder events(int events) {
            this.events = events;
            return this;
        }

        /** Events per second; 0 publishes as fast as {@link #publishers} in flight allow. */
        public Builder rate(double rate) {
            this.rate = rate;
            return this;
        }

        public Builder publishers(int publishers) {
            this.publishers = publishers;
            return this;
        }

        public Builder payloadBytes(int payloadBytes) {
            this.payloadBytes = payloadBytes;
            return this;
        }

        /** New connections per second; 0 opens them as fast as the selector allows, {@link #connectBatch} per pass. */
        public Builder connectRate(double connectRate) {
            this.connectRate = connectRate;
            return this;
        }

        public Builder connectBatch(int connectBatch) {
            this.connectBatch = connectBatch;
            return this;
        }

        public Builder connectTimeoutSeconds(int connectTimeoutSeconds) {
            this.connectTimeoutSeconds = connectTimeoutSeconds;
            return this;
        }

        public Builder stalled(int stalled) {
            this.stalled = stalled;
            return this;
        }

        public Builder stalledRcvbuf(int stalledRcvbuf) {
            this.stalledRcvbuf = stalledRcvbuf;
            return this;
        }

        public Builder stallSeconds(int stallSeconds) {
            this.stallSeconds = stallSeconds;
            return this;
        }

        /** After this many events: close every subscriber, publish the rest, reconnect all; -1 (default) is off. */
        public Builder reconnectAfter(int reconnectAfter) {
            this.reconnectAfter = reconnectAfter;
            return this;
        }

        public Builder reconnectOnEof(boolean reconnectOnEof) {
            this.reconnectOnEof = reconnectOnEof;
            return this;
        }

        public Builder drainSeconds(int drainSeconds) {
            this.drainSeconds = drainSeconds;
            return this;
        }

        public Builder idleSeconds(int idleSeconds) {
            this.idleSeconds = idleSeconds;
            return this;
        }

        public Builder idleOnly(boolean idleOnly) {
            this.idleOnly = idleOnly;
            return this;
        }

        public Builder serverPids(List<Long> serverPids) {
            this.serverPids = serverPids;
            return this;
        }

        public Builder jvm(boolean jvm) {
            this.jvm = jvm;
            return this;
        }

        public Builder deadlineSeconds(int deadlineSeconds) {
            this.deadlineSeconds = deadlineSeconds;
            return this;
        }

        public Builder selectors(int selectors) {
            this.selectors = selectors;
            return this;
        }

        /** Whether to print a progress line to stderr, at most once a second. */
        public Builder progress(boolean progress) {
            this.progress = progress;
            return this;
        }

        public Builder out(Path out) {
            this.out = out;
            return this;
        }

        /** Subscribers, in percent and spread evenly, that subscribe with the wildcard covering the topic. */
        public Builder wildcardPercent(int wildcardPercent) {
            this.wildcardPercent = wildcardPercent;
            return this;
        }

        public Builder publishRetrySeconds(int publishRetrySeconds) {
            this.publishRetrySeconds = publishRetrySeconds;
            return this;
        }

        /** Checks the values; throws {@link IllegalArgumentException} naming the option that is wrong. */
        public LoadOptions build() {
            return new LoadOptions(label, target, base, publishBase, token, context, topic, subscribers, events, rate, publishers,
                    payloadBytes, connectRate, connectBatch, connectTimeoutSeconds, stalled, stalledRcvbuf,
                    stallSeconds, reconnectAfter, reconnectOnEof, drainSeconds, idleSeconds, idleOnly, serverPids, jvm,
                    deadlineSeconds, selectors, progress, out, publishRetrySeconds, wildcardPercent);
        }
    }
}
