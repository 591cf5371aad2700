package dev.herald.auth;

import dev.herald.config.HeraldConfig;
import dev.herald.web.Components;
import dev.herald.web.ErrorBody;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Cross-origin requests to the API: allowed from the page's own origin and from {@code herald.cors.origins}, with
 * credentials (the {@code herald_token} cookie), and answered at the preflight. A browser request from any other
 * origin is refused with 403 before it reaches Herald, so a foreign page cannot open streams with a user's
 * cookie. Requests without {@code Origin} (servers, curl) pass untouched.
 */
@WebFilter(urlPatterns = "/api/*", asyncSupported = true)
public class CorsFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** {@code herald.cors.origins}, read once when the container starts the filter, after Herald's start. */
    private transient List<String> origins = List.of();

    @Override
    public void init() {
        origins = Components.get(getServletContext(), HeraldConfig.class).corsOrigins();
    }

    /** Whether {@code herald.cors.origins} lists this origin ({@code *} lists every one). */
    boolean allows(String origin) {
        return origins.contains("*") || origins.stream().anyMatch(origin::equalsIgnoreCase);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String origin = request.getHeader("Origin");
        if (origin == null) {
            chain.doFilter(request, response);
            return;
        }
        if (!isSameOrigin(origin, request) && !allows(origin)) {
            refuse(response);
            return;
        }
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.setHeader("Access-Control-Allow-Credentials", "true");
        response.addHeader("Vary", "Origin");
        // Date: herald.js measures welcome's expiresAt against the server's clock, not the browser's
        response.setHeader("Access-Control-Expose-Headers",
                "Idempotent-Replayed, X-Total-Count, Retry-After, Herald-Retained-Truncated, Date");
        if ("OPTIONS".equals(request.getMethod()) && request.getHeader("Access-Control-Request-Method") != null) {
            // DELETE: a page that publishes retained events may clear them
            response.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE");
            response.setHeader("Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
            // browsers cap this anyway (Chromium at 2 hours); ten minutes keeps a changed list effective soon
            response.setHeader("Access-Control-Max-Age", "600");
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        chain.doFilter(request, response);
    }

    /**
     * Whether {@code origin} is the address this request was sent to. Asked of the request's server name and port,
     * not of a {@code Host} header: HTTP/2 has none (the address travels as {@code :authority}), and a browser
     * leaves the port out of {@code Origin} when it is the scheme's default.
     */
    static boolean isSameOrigin(String origin, HttpServletRequest request) {
        String scheme = request.getScheme();
        String host = request.getServerName();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        int port = request.getServerPort();
        String withPort = scheme + "://" + host + ":" + port;
        boolean defaultPort = ("http".equalsIgnoreCase(scheme) && port == 80)
                || ("https".equalsIgnoreCase(scheme) && port == 443);
        return origin.equalsIgnoreCase(withPort) || (defaultPort && origin.equalsIgnoreCase(scheme + "://" + host));
    }

    private static void refuse(HttpServletResponse response) throws IOException {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(ErrorBody.json("origin_not_allowed",
                "requests from this origin are not allowed; see herald.cors.origins").getBytes(StandardCharsets.UTF_8));
    }
}
