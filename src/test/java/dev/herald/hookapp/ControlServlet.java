package dev.herald.hookapp;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * What the test drives (test application only: no access control): {@code POST /mode?m=slow} switches the hook's
 * {@link Behaviour}, {@code GET /calls} says how often it was called, {@code DELETE /calls} starts the count again.
 */
@WebServlet({"/mode", "/calls"})
public class ControlServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!request.getServletPath().equals("/mode")) {
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
        } else if (Behaviour.of(getServletContext()).switchTo(request.getParameter("m"))) {
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
        } else {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, "m: one of normal, slow, down, garbage, redirect, huge, wrong-types");
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!request.getServletPath().equals("/calls")) {
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        response.setContentType("text/plain");
        response.getWriter().write(Integer.toString(Behaviour.of(getServletContext()).calls()));
    }

    @Override
    protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!request.getServletPath().equals("/calls")) {
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        Behaviour.of(getServletContext()).resetCalls();
        response.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }
}
