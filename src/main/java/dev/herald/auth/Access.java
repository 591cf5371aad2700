package dev.herald.auth;

import dev.herald.app.ApiException;
import dev.herald.config.HeraldConfig;
import dev.herald.publish.PublishRate;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.logging.Logger;

/**
 * Who may publish. With {@code herald.open=true}, anyone (a developer's machine). Otherwise a caller the container
 * authenticated with the role {@code herald-publisher}, or a bearer token whose grants cover the topic. A cookie
 * never authorises publishing: a browser would send it with any cross-site form.
 */
public final class Access {

    /** The container role that may publish, as the deployer maps it to users (a Tomcat realm, Payara's security). */
    public static final String PUBLISHER_ROLE = "herald-publisher";
    private static final Logger LOG = Logger.getLogger(Access.class.getName());
    private static final String BEARER = "Bearer ";
    private static final String BASIC = "Basic ";

    /** The cookie a browser's EventSource sends, since it cannot set headers. */
    public static final String COOKIE = "herald_token";
    /** The query parameter for clients that can set neither headers nor cookies. */
    public static final String QUERY_PARAMETER = "access_token";
    static final String PRESENCE = "$presence";
    static final String ADMIN = "$admin";

    private final boolean open;
    private final TokenVerifier verifier;
    private final List<TopicPattern> privateTopics;
    private final ClientAddress addresses;
    private final PublishRate publishRate;
    private final List<String> corsOrigins;

    Access(boolean open, TokenVerifier verifier, List<TopicPattern> privateTopics, ClientAddress addresses,
            PublishRate publishRate, List<String> corsOrigins) {
        this.publishRate = publishRate;
        this.corsOrigins = List.copyOf(corsOrigins);
        this.open = open;
        this.verifier = verifier;
        this.privateTopics = List.copyOf(privateTopics);
        this.addresses = addresses;
    }

    /** Counts one publish against {@code publisher}'s rate: 429 beyond {@code herald.limits.publish-per-second}. */
    public void countPublish(Publisher publisher) {
        publishRate.take(publisher.who(), System.nanoTime());
    }

    /** Whether {@code herald.cors.origins} lists this origin ({@code *} lists every one). */
    public boolean corsAllows(String origin) {
        return corsOrigins.contains("*") || corsOrigins.stream().anyMatch(origin::equalsIgnoreCase);
    }

    /** The address limits count for this request. */
    public String address(HttpServletRequest request) {
        return addresses.of(request);
    }

    /** From the configuration, read once; an unusable key stops the deployment. */
    public static Access of(HeraldConfig config) {
        Access access = new Access(config.open(), TokenVerifier.of(config),
                config.privateTopics().stream().map(TopicPattern::new).toList(),
                new ClientAddress(config.limits().trustedProxies()), new PublishRate(config.limits().publishPerSecond()),
                config.corsOrigins());
        if (access.open) {
            LOG.warning("herald.open=true: ANYONE can publish, see presence and list clients. Never on a server "
                    + "others can reach; see docs/security.md");
        } else if (access.verifier == null) {
            LOG.info("no herald.jwt.secret or herald.jwt.public-key: only users with the container role "
                    + PUBLISHER_ROLE + " can publish");
        }
        return access;
    }

    public boolean isOpen() {
        return open;
    }

    /**
     * Who is publishing, or a 401 when nobody Herald accepts: checked before the body is read. Which topic they
     * may publish to is {@link Publisher#check}'s question, once the body has named it.
     */
    public Publisher publisher(HttpServletRequest request) {
        if (open) {
            return new Publisher(null, null, "address:" + addresses.of(request));
        }
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            Grants grants = verify(authorization.substring(BEARER.length()).trim());
            String who = grants.subject() != null ? "subject:" + grants.subject() : "address:" + addresses.of(request);
            return new Publisher(grants, null, who);
        }
        if (containerUser(request, authorization)) {
            return new Publisher(null, request.isUserInRole(PUBLISHER_ROLE) ? null
                    : "this user does not have the role " + PUBLISHER_ROLE, "user:" + request.getUserPrincipal().getName());
        }
        throw unauthorized("publishing needs a token (Authorization: Bearer) or a user with the role "
                + PUBLISHER_ROLE, null);
    }

    /**
     * A caller known to Herald: a token's grants, or a container user who has the role (refusal null) or not;
     * {@code who} names it for the publish rate limit.
     */
    public record Publisher(Grants grants, String refusal, String who) {

        /** Refuses with 403 unless this caller may publish to {@code topic} (null: an event without a topic). */
        public void check(String topic) {
            if (refusal != null) {
                throw new ApiException(403, "forbidden", refusal);
            }
            if (grants != null && !grants.mayPublish(topic)) {
                throw new ApiException(403, "forbidden", topic == null
                        ? "the token does not grant publishing events without a topic (that needs '*')"
                        : "the token does not grant publishing to '" + topic + "'");
            }
        }
    }

    /**
     * Who is listening: a token from the {@code Authorization} header, the {@code herald_token} cookie or the
     * {@code access_token} parameter, in that order; or a container user; or nobody (public topics only). A token
     * that is sent but not valid is a 401 even for public topics, so the client learns to fetch a new one.
     */
    public Listener listener(HttpServletRequest request) {
        if (open) {
            return Listener.ANYONE;
        }
        String token = null;
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            token = authorization.substring(BEARER.length()).trim();
        }
        if (token == null && request.getCookies() != null) {
            for (jakarta.servlet.http.Cookie cookie : request.getCookies()) {
                if (COOKIE.equals(cookie.getName()) && !cookie.getValue().isEmpty()) {
                    token = cookie.getValue();
                }
            }
        }
        if (token == null) {
            token = request.getParameter(QUERY_PARAMETER);
        }
        if (token != null) {
            return new Listener(verify(token), false, privateTopics);
        }
        boolean publisher = containerUser(request, authorization) && request.isUserInRole(PUBLISHER_ROLE);
        return new Listener(null, publisher, privateTopics);
    }

    /**
     * May this caller act on clients ({@code DELETE /api/clients/{id}})? The publisher role, or a token granting
     * {@code $admin}; 401 without credentials, 403 otherwise.
     */
    public void checkAdmin(HttpServletRequest request) {
        if (open) {
            return;
        }
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            Grants grants = verify(authorization.substring(BEARER.length()).trim());
            if (grants.mayPublish(ADMIN) || grants.maySubscribe(ADMIN)) {
                return;
            }
            throw new ApiException(403, "forbidden", "the token does not grant " + ADMIN);
        }
        if (containerUser(request, authorization)) {
            if (request.isUserInRole(PUBLISHER_ROLE)) {
                return;
            }
            throw new ApiException(403, "forbidden", "this user does not have the role " + PUBLISHER_ROLE);
        }
        throw unauthorized("acting on clients needs a token granting " + ADMIN + " or the role " + PUBLISHER_ROLE,
                null);
    }

    /** May this caller see who is connected ({@code $presence}, {@code GET /api/clients})? */
    public void checkPresence(HttpServletRequest request) {
        listener(request).check(PRESENCE);
    }

    /**
     * A subscriber: its token's grants (or none), or a container user with the publisher role, who may listen to
     * everything. Public topics need nothing; private ones and {@code $presence} need a grant.
     */
    public record Listener(Grants grants, boolean publisher, List<TopicPattern> privateTopics) {

        static final Listener ANYONE = new Listener(null, true, List.of());

        /** When the stream must end: the token's expiry, or null. */
        public java.time.Instant expiresAt() {
            return grants == null ? null : grants.expiresAt();
        }

        /** Refuses with 401 (a token would help) or 403 (this token does not grant it). */
        public void check(String topic) {
            if (publisher || !needsGrant(topic)) {
                return;
            }
            if (grants == null) {
                throw unauthorized("'" + topic + "' is private: subscribing needs a token that grants it", null);
            }
            boolean own = grants.subject() != null && topic.equals("user/" + grants.subject());
            if (!own && !grants.maySubscribe(topic)) {
                throw new ApiException(403, "forbidden", "the token does not grant subscribing to '" + topic + "'");
            }
        }

        private boolean needsGrant(String topic) {
            return topic.equals(PRESENCE) || privateTopics.stream().anyMatch(pattern -> pattern.matches(topic));
        }
    }

    private Grants verify(String token) {
        if (verifier == null) {
            throw unauthorized("this server accepts no tokens: neither herald.jwt.secret nor herald.jwt.public-key "
                    + "is set", "invalid_token");
        }
        try {
            return verifier.verify(token);
        } catch (InvalidTokenException e) {
            throw unauthorized(e.getMessage(), "invalid_token");
        }
    }

    /**
     * Whether the container knows the caller: authenticated already (a realm, an SSO valve), or by the HTTP Basic
     * credentials it sent, checked against the container's realm with the standard {@code login}.
     */
    private static boolean containerUser(HttpServletRequest request, String authorization) {
        if (request.getUserPrincipal() != null) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw unauthorized("the Basic credentials are not base64", null);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw unauthorized("the Basic credentials are not user:password", null);
        }
        try {
            request.login(decoded.substring(0, colon), decoded.substring(colon + 1));
            return true;
        } catch (ServletException e) {
            throw unauthorized("the container did not accept these credentials", null);
        }
    }

    /** RFC 6750: a 401 names the scheme, and the error when a token was sent. */
    private static ApiException unauthorized(String reason, String tokenError) {
        String challenge = "Bearer realm=\"herald\"" + (tokenError == null ? "" : ", error=\"" + tokenError + "\"");
        return new ApiException(401, "unauthorized", reason).withHeader("WWW-Authenticate", challenge);
    }
}
