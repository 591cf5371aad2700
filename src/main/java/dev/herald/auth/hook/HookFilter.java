package dev.herald.auth.hook;

import dev.herald.auth.Access;
import dev.herald.config.HeraldConfig;
import dev.herald.auth.TopicPattern;
import dev.herald.history.Topics;
import dev.herald.web.ApiException;
import dev.herald.web.Components;
import dev.herald.web.ErrorBody;
import dev.herald.web.QueryString;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Before a stream opens, asks the application's hook who its cookie is, when {@link Access#needsHook} says so,
 * without holding the request's thread: the request turns asynchronous, the hook is asked on Herald's own thread,
 * and the answer either dispatches the request on to the stream's resource (with the grants in
 * {@link Access#HOOK_GRANTS}) or ends it with Herald's error. A kept answer goes on at once, on the request's thread.
 *
 * <p>Registered by the composition root only when {@code herald.auth.hook-url} is set, after the annotated filters,
 * so that {@code CorsFilter} refuses a foreign origin before any cookie is sent to the application.
 */
public class HookFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(HookFilter.class.getName());
    /** Beyond the hook's own deadline, which always ends the wait first: only a lost completion reaches this. */
    private static final long ASYNC_MARGIN_MS = 10_000;

    private transient AuthorizationHook hook;
    private transient Access access;
    private transient int maxTopics;
    private transient long asyncTimeoutMs;

    @Override
    public void init() {
        hook = Components.get(getServletContext(), AuthorizationHook.class);
        access = Components.get(getServletContext(), Access.class);
        HeraldConfig config = Components.get(getServletContext(), HeraldConfig.class);
        maxTopics = config.topicsPerConnection();
        asyncTimeoutMs = config.hook().timeoutMs() + ASYNC_MARGIN_MS;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        List<String> topics = request.getDispatcherType() == DispatcherType.REQUEST
                && "GET".equals(request.getMethod()) ? topics(request) : null;
        String cookie = topics == null ? null : cookie(request);
        if (topics == null || !needsHook(request, topics)) {
            chain.doFilter(request, response);
            return;
        }
        if (cookie == null) {
            // nothing to ask about: the application could only say 401, which the resource says without asking
            chain.doFilter(request, response);
            return;
        }
        var answer = hook.ask(cookie, topics);
        if (answer.isDone()) {
            HookAnswer given = answer.join();
            if (given.kind() == HookAnswer.Kind.GRANTED) {
                request.setAttribute(Access.HOOK_GRANTS, given.grants());
                chain.doFilter(request, response);
            } else {
                refuse(response, given);
            }
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(asyncTimeoutMs);
        AtomicBoolean resumed = new AtomicBoolean();
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (resumed.compareAndSet(false, true)) {
                    refuse(response, HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "no answer in time"));
                    async.complete();
                }
            }

            @Override
            public void onComplete(AsyncEvent event) {
            }

            @Override
            public void onError(AsyncEvent event) {
                // the client went away: nothing to answer
                resumed.set(true);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        answer.thenAccept(given -> {
            if (resumed.compareAndSet(false, true)) {
                resume(async, response, given);
            }
        });
    }

    /**
     * Whether to ask: a question of {@link Access}, which may itself refuse (wrong Basic credentials); then the
     * resource refuses the same way, so the request goes on to it.
     */
    private boolean needsHook(HttpServletRequest request, List<String> topics) {
        try {
            return access.needsHook(request, topics);
        } catch (ApiException e) {
            return false;
        }
    }

    private void resume(AsyncContext async, HttpServletResponse response, HookAnswer given) {
        try {
            if (given.kind() == HookAnswer.Kind.GRANTED) {
                async.getRequest().setAttribute(Access.HOOK_GRANTS, given.grants());
                async.dispatch();
            } else {
                refuse(response, given);
                async.complete();
            }
        } catch (IOException | IllegalStateException e) {
            // the client left while the hook was asked, and the container ended its request
            LOG.log(Level.FINE, "a stream ended while its hook answer came", e);
        }
    }

    /** The stream's topics when they are all valid, else null: the resource refuses them without the hook. */
    private List<String> topics(HttpServletRequest request) {
        String query = request.getQueryString();
        if (query != null && query.indexOf('%') >= 0 && !wellFormed(request)) {
            return null;
        }
        String[] values = request.getParameterValues("topic");
        if (values == null || values.length == 0) {
            return null;
        }
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (String topic : values) {
            if (!Topics.RESERVED.contains(topic) && !Topics.isValidName(topic) && !TopicPattern.isWildcard(topic)) {
                return null;
            }
            unique.add(topic);
        }
        return unique.size() > maxTopics ? null : List.copyOf(unique);
    }

    private static boolean wellFormed(HttpServletRequest request) {
        try {
            QueryString.requireWellFormed(request);
            return true;
        } catch (ApiException e) {
            return false;
        }
    }

    /** The whole {@code Cookie} header; HTTP/2 sends each cookie in a header of its own, joined here as HTTP/1.1. */
    private static String cookie(HttpServletRequest request) {
        List<String> headers = Collections.list(request.getHeaders("Cookie"));
        String joined = String.join("; ", headers).trim();
        return joined.isEmpty() ? null : joined;
    }

    private void refuse(HttpServletResponse response, HookAnswer answer) throws IOException {
        int status;
        String code;
        String detail;
        switch (answer.kind()) {
            case UNAUTHORIZED -> {
                status = 401;
                code = "unauthorized";
                detail = "the application's hook does not know this session";
                response.setHeader("WWW-Authenticate", "Bearer realm=\"herald\"");
            }
            case FORBIDDEN -> {
                status = 403;
                code = "forbidden";
                detail = "the application's hook refuses this session these topics";
            }
            case BUSY -> {
                status = 503;
                code = "hook_busy";
                detail = "Herald is asking the application about as many sessions as it may at once; try again";
                response.setHeader("Retry-After", Integer.toString(hook.retryAfterSeconds(answer)));
            }
            default -> {
                status = 503;
                code = "hook_unavailable";
                // the reason (a host, an exception) is for the operator's log, not for clients
                detail = "the application's authorization hook gave no usable answer; try again";
                response.setHeader("Retry-After", Integer.toString(hook.retryAfterSeconds(answer)));
            }
        }
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream().write(ErrorBody.json(code, detail).getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
    }
}
