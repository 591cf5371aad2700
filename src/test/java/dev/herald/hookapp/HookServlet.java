package dev.herald.hookapp;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * Herald's authorization hook, answered from the application's session: a logged-in user may listen to
 * {@code user/<name>} for 5 minutes; without a session, 401. A test may make {@code /hook} misbehave
 * ({@link Behaviour}); {@code /granted}, where its redirect points, always answers from the session, so a client that
 * followed the redirect would be let in.
 */
@WebServlet({"/hook", "/granted"})
public class HookServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** Twice the hook timeout the test gives Herald (2 s): Herald gives up long before. */
    private static final long SLOW_MILLIS = 4000;
    /** Over Herald's 16 KiB bound on a hook's answer. */
    private static final int HUGE_BYTES = 20 * 1024;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Behaviour behaviour = Behaviour.of(getServletContext());
        behaviour.called();
        Behaviour.Mode mode = request.getServletPath().equals("/granted") ? Behaviour.Mode.NORMAL : behaviour.mode();
        switch (mode) {
            case SLOW -> pause();
            case DOWN -> {
                response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                return;
            }
            case GARBAGE -> {
                json(response, "<html>not json");
                return;
            }
            case REDIRECT -> {
                response.sendRedirect(request.getContextPath() + "/granted?" + request.getQueryString());
                return;
            }
            case WRONG_TYPES -> {
                json(response, "{\"sub\":42,\"subscribe\":\"user/alice\",\"expiresIn\":\"300\"}");
                return;
            }
            default -> {
            }
        }
        HttpSession session = request.getSession(false);
        String user = session == null ? null : (String) session.getAttribute(LoginServlet.USER);
        if (user == null) {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        // huge: a valid grant but for its size, padded with the white space JSON allows between tokens
        String padding = mode == Behaviour.Mode.HUGE ? " ".repeat(HUGE_BYTES) : "";
        json(response, "{\"sub\":\"" + user + "\"," + padding + "\"subscribe\":[\"user/" + user + "\"],\"expiresIn\":300}");
    }

    private static void json(HttpServletResponse response, String body) throws IOException {
        response.setContentType("application/json");
        response.getWriter().write(body);
    }

    private static void pause() {
        try {
            Thread.sleep(SLOW_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
