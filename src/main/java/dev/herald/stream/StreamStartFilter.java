package dev.herald.stream;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Starts a new stream's writes once the JAX-RS runtime has returned from the request. The runtime still touches
 * the response after the resource method returns, so writing from another thread before then would race with it.
 * Also on an asynchronous dispatch: a stream the application's hook authorised reaches the resource that way.
 */
@WebFilter(urlPatterns = "/api/events", asyncSupported = true, dispatcherTypes = {DispatcherType.REQUEST, DispatcherType.ASYNC})
public class StreamStartFilter extends HttpFilter {

    private static final String SUBSCRIBER = StreamStartFilter.class.getName() + ".subscriber";

    /** Marks the request as a stream to start when the runtime is done with it. */
    static void startAfterRuntime(ServletRequest request, Subscriber subscriber) {
        request.setAttribute(SUBSCRIBER, subscriber);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.getAttribute(SUBSCRIBER) instanceof Subscriber subscriber) {
                request.removeAttribute(SUBSCRIBER);
                subscriber.start();
            }
        }
    }
}
