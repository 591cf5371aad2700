package dev.herald.auth;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a request presents to say who sends it, read from it once: a bearer token (in the {@code Authorization}
 * header, the {@code herald_token} cookie or the {@code access_token} parameter), or a user of the container. The
 * container is asked only when no token decides, since checking Basic credentials logs the request in.
 */
public final class Credentials {

    /** The cookie a browser's EventSource sends, since it cannot set headers. */
    public static final String COOKIE = "herald_token";
    /** The query parameter for clients that can set neither headers nor cookies. */
    public static final String QUERY_PARAMETER = "access_token";
    private static final String BEARER = "Bearer ";
    private static final String BASIC = "Basic ";

    private final String headerToken;
    private final String cookieToken;
    private final String queryToken;
    private final HttpServletRequest request;
    private ContainerUser containerUser;
    private boolean containerAsked;

    private Credentials(String headerToken, String cookieToken, String queryToken, HttpServletRequest request) {
        this.headerToken = headerToken;
        this.cookieToken = cookieToken;
        this.queryToken = queryToken;
        this.request = request;
    }

    public static Credentials of(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        String header = startsWithIgnoringCase(authorization, BEARER)
                ? authorization.substring(BEARER.length()).trim() : null;
        String cookie = null;
        if (request.getCookies() != null) {
            for (Cookie candidate : request.getCookies()) {
                if (COOKIE.equals(candidate.getName()) && !candidate.getValue().isEmpty()) {
                    cookie = candidate.getValue();
                }
            }
        }
        return new Credentials(header, cookie, request.getParameter(QUERY_PARAMETER), request);
    }

    /**
     * The token of a publisher or an admin: the {@code Authorization} header only. A cookie never counts here: a
     * browser would send it with any cross-site form.
     */
    String headerToken() {
        return headerToken;
    }

    /** The token of a subscriber: the header, else the cookie, else the query parameter; null when none. */
    String listeningToken() {
        return headerToken != null ? headerToken : cookieToken != null ? cookieToken : queryToken;
    }

    /**
     * The user the container knows: authenticated already (a realm, an SSO valve), or by the HTTP Basic
     * credentials sent, checked against the container's realm with the standard {@code login}. Null when neither.
     * Asked once; Basic credentials that are malformed or wrong are a 401.
     */
    ContainerUser containerUser() {
        if (!containerAsked) {
            containerAsked = true;
            containerUser = askContainer();
        }
        return containerUser;
    }

    private ContainerUser askContainer() {
        if (request.getUserPrincipal() == null) {
            String authorization = request.getHeader("Authorization");
            if (!startsWithIgnoringCase(authorization, BASIC)) {
                return null;
            }
            login(authorization.substring(BASIC.length()).trim());
        }
        return new ContainerUser(request.getUserPrincipal().getName(), request.isUserInRole(Access.PUBLISHER_ROLE));
    }

    private void login(String basic) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw Access.unauthorized("the Basic credentials are not base64", null);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw Access.unauthorized("the Basic credentials are not user:password", null);
        }
        try {
            request.login(decoded.substring(0, colon), decoded.substring(colon + 1));
        } catch (ServletException e) {
            throw Access.unauthorized("the container did not accept these credentials", null);
        }
    }

    private static boolean startsWithIgnoringCase(String text, String prefix) {
        return text != null && text.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /** A user the container authenticated, and whether the deployer gave it the role {@code herald-publisher}. */
    record ContainerUser(String name, boolean publisher) {
    }
}
