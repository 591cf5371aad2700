package dev.herald.auth;

import dev.herald.app.ApiException;
import dev.herald.config.HeraldConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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

    private final boolean open;
    private final TokenVerifier verifier;

    Access(boolean open, TokenVerifier verifier) {
        this.open = open;
        this.verifier = verifier;
    }

    /** From the configuration, read once; an unusable key stops the deployment. */
    public static Access of(HeraldConfig config) {
        Access access = new Access(config.open(), TokenVerifier.of(config));
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
            return Publisher.ANYONE;
        }
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return new Publisher(verify(authorization.substring(BEARER.length()).trim()), null);
        }
        if (containerUser(request, authorization)) {
            return new Publisher(null, request.isUserInRole(PUBLISHER_ROLE) ? null
                    : "this user does not have the role " + PUBLISHER_ROLE);
        }
        throw unauthorized("publishing needs a token (Authorization: Bearer) or a user with the role "
                + PUBLISHER_ROLE, null);
    }

    /** A caller known to Herald: a token's grants, or a container user who has the role (refusal null) or not. */
    public record Publisher(Grants grants, String refusal) {

        static final Publisher ANYONE = new Publisher(null, null);

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
