package dev.herald.hookapp;

import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * The application's own login, as any Jakarta EE application has one: the container checks the password against its
 * realm ({@code request.login}), and the application keeps the user in an {@link HttpSession}.
 */
@WebServlet({"/login", "/logout"})
public class LoginServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String USER = "user";
    private static final String ROLE = "app-user";

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        if (request.getServletPath().equals("/logout")) {
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        try {
            request.login(request.getParameter("user"), request.getParameter("password"));
        } catch (ServletException refused) {
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        if (!request.isUserInRole(ROLE)) {
            request.logout();
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        String user = request.getRemoteUser();
        if (request.getSession(false) != null) {
            request.changeSessionId(); // no session fixation: a session from before the login gets a new id
        }
        request.getSession(true).setAttribute(USER, user);
        response.setContentType("text/plain");
        response.getWriter().write(user);
    }
}
