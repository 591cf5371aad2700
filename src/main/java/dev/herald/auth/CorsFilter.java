package dev.herald.auth;

import dev.herald.app.HeraldLifecycle;
import dev.herald.app.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cross-origin requests to the API: allowed from the page's own origin and from {@code herald.cors.origins}, with
 * credentials (the {@code herald_token} cookie), and answered at the preflight. A browser request from any other
 * origin is refused with 403 before it reaches Herald, so a foreign page cannot open streams with a user's
 * cookie. Requests without {@code Origin} (servers, curl) pass untouched.
 */
@WebFilter(urlPatterns = "/api/*", asyncSupported = true)
public class CorsFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String origin = request.getHeader("Origin");
        Access access = HeraldLifecycle.access(getServletContext());
        if (origin == null || access == null) {
            chain.doFilter(request, response);
            return;
        }
        boolean sameOrigin = origin.equalsIgnoreCase(request.getScheme() + "://" + request.getHeader("Host"));
        if (!sameOrigin && !access.corsAllows(origin)) {
            refuse(response, origin);
            return;
        }
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.setHeader("Access-Control-Allow-Credentials", "true");
        response.addHeader("Vary", "Origin");
        response.setHeader("Access-Control-Expose-Headers", "Idempotent-Replayed, X-Total-Count, Retry-After");
        if ("OPTIONS".equals(request.getMethod()) && request.getHeader("Access-Control-Request-Method") != null) {
            response.setHeader("Access-Control-Allow-Methods", "GET, POST");
            response.setHeader("Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
            // browsers cap this anyway (Chromium at 2 hours); ten minutes keeps a changed list effective soon
            response.setHeader("Access-Control-Max-Age", "600");
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        chain.doFilter(request, response);
    }

    private static void refuse(HttpServletResponse response, String origin) throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", "origin_not_allowed");
        body.put("detail", "requests from this origin are not allowed; see herald.cors.origins");
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
