package dev.herald.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the Redis backbone is, from {@code herald.redis.uri}:
 * <ul>
 * <li>{@code redis://[user:password@]host[:port][/db]} (port 6379, db 0 when left out);</li>
 * <li>{@code rediss://...} the same over TLS;</li>
 * <li>{@code redis-sentinel://[user:password@]host:port[,host:port...][/db]?master=name}: ask these Sentinels
 * where the master called {@code name} is (port 26379 when left out); the credentials are the master's.</li>
 * </ul>
 * User and password are percent-decoded, as in any URI.
 */
public record RedisUri(Kind kind, List<HostPort> hosts, String master, String user, String password, int database) {

    public enum Kind { PLAIN, TLS, SENTINEL }

    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    private static final Pattern FORM = Pattern.compile(
            "(redis|rediss|redis-sentinel)://(?:([^@/]*)@)?([^/?#]+)(?:/([0-9]{1,5})?)?(?:\\?([^#]*))?");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?");

    public static RedisUri parse(String text) {
        Matcher form = FORM.matcher(text);
        if (!form.matches()) {
            throw new IllegalArgumentException("'" + maskIn(text) + "' is not redis://[user:password@]host[:port][/db], "
                    + "rediss://... or redis-sentinel://host:port[,host:port...][/db]?master=name");
        }
        Kind kind = switch (form.group(1)) {
            case "redis" -> Kind.PLAIN;
            case "rediss" -> Kind.TLS;
            default -> Kind.SENTINEL;
        };
        String user = null;
        String password = null;
        if (form.group(2) != null && !form.group(2).isEmpty()) {
            String[] parts = form.group(2).split(":", 2);
            user = parts[0].isEmpty() ? null : decode(parts[0]);
            password = parts.length == 2 ? decode(parts[1]) : null;
        }
        List<HostPort> hosts = new ArrayList<>();
        for (String part : form.group(3).split(",")) {
            Matcher hostPort = HOST_PORT.matcher(part);
            if (!hostPort.matches()) {
                throw new IllegalArgumentException("'" + part + "' is not host[:port]");
            }
            String host = hostPort.group(1).replace("[", "").replace("]", "");
            int port = hostPort.group(2) == null ? (kind == Kind.SENTINEL ? 26379 : 6379)
                    : Integer.parseInt(hostPort.group(2));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 1..65535");
            }
            hosts.add(new HostPort(host, port));
        }
        if (kind != Kind.SENTINEL && hosts.size() != 1) {
            throw new IllegalArgumentException("several hosts need redis-sentinel://");
        }
        int database = form.group(4) == null ? 0 : Integer.parseInt(form.group(4));
        if (database > 15) {
            // 16 databases is Redis's default; a higher number is more likely a mistake than a configured server
            throw new IllegalArgumentException("database " + database + " is outside 0..15");
        }
        String master = null;
        if (form.group(5) != null) {
            for (String parameter : form.group(5).split("&")) {
                String[] pair = parameter.split("=", 2);
                if (pair.length == 2 && pair[0].equals("master") && !pair[1].isEmpty()) {
                    master = decode(pair[1]);
                } else if (!parameter.isEmpty()) {
                    throw new IllegalArgumentException("unknown parameter '" + pair[0] + "'; allowed: master");
                }
            }
        }
        if (kind == Kind.SENTINEL && master == null) {
            throw new IllegalArgumentException("redis-sentinel:// needs ?master=<name>");
        }
        if (kind != Kind.SENTINEL && master != null) {
            throw new IllegalArgumentException("?master= only goes with redis-sentinel://");
        }
        return new RedisUri(kind, List.copyOf(hosts), master, user, password, database);
    }

    /** The URI with the password hidden, for logs. */
    public String masked() {
        String scheme = switch (kind) {
            case PLAIN -> "redis";
            case TLS -> "rediss";
            case SENTINEL -> "redis-sentinel";
        };
        StringBuilder text = new StringBuilder(scheme).append("://");
        if (user != null || password != null) {
            text.append(user == null ? "" : user).append(password == null ? "" : ":****").append('@');
        }
        text.append(String.join(",", hosts.stream().map(HostPort::toString).toList())).append('/').append(database);
        if (master != null) {
            text.append("?master=").append(master);
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return masked();
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** An unparseable value may still hold a password: hide what sits between :// and @. */
    private static String maskIn(String text) {
        return text.replaceAll("//[^@/]*@", "//****@");
    }
}
