package dev.herald.stream;

import dev.herald.auth.Access;
import dev.herald.auth.ClientAddress;
import dev.herald.auth.TopicPattern;
import dev.herald.config.HeraldConfig;
import dev.herald.web.ApiException;
import dev.herald.web.Components;
import dev.herald.web.QueryString;
import jakarta.inject.Singleton;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/events} opens a stream. Its events are built with the runtime's {@code Sse} and broadcast
 * through {@code SseBroadcaster}s; Herald's own sink writes them to the servlet's non-blocking output, so no
 * client can hold a thread. (Publishing to the same path is {@code publish.PublishResource}.)
 */
@Path("events")
@Singleton
public class EventsResource {

    private static final String CONTENT_TYPE = MediaType.SERVER_SENT_EVENTS + ";charset=UTF-8";

    @Context
    private ServletContext context;

    /**
     * Parameters ({@code topic}, repeatable; {@code envelope}; {@code Last-Event-ID} or {@code lastEventId}) are read
     * from the servlet request rather than injected one by one: a connect burst is thousands of these a second, and
     * the runtime's parameter injection was a tenth of each one's CPU.
     */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void subscribe(@Context HttpServletRequest request, @Context HttpServletResponse response)
            throws IOException {
        QueryString.requireWellFormed(request);
        String[] topics = request.getParameterValues("topic");
        Subscription subscription = Subscription.of(topics == null ? List.of() : List.of(topics),
                request.getParameter("envelope"), request.getHeader(HttpHeaders.LAST_EVENT_ID_HEADER),
                request.getParameter("lastEventId"), Components.get(context, HeraldConfig.class).topicsPerConnection());
        Access.Listener listener = Components.get(context, Access.class).listener(request);
        // a wildcard is not refused but filtered, by the same rule, topic by topic (TopicEntries)
        subscription.topics().stream().filter(topic -> !TopicPattern.isWildcard(topic)).forEach(listener::check);
        String address = Components.get(context, ClientAddress.class).of(request);
        AsyncContext async = request.startAsync();
        // a stream ends when Herald or the client ends it, never on the servlet's async timeout (30 s on Tomcat)
        async.setTimeout(0);
        Hub hub = Components.get(context, Hub.class);
        StreamEndListener streamEnd = new StreamEndListener(hub::lastRetryMs);
        async.addListener(streamEnd);
        Hub.Admission admission;
        try {
            admission = hub.subscribe(subscription, address, listener,
                    response.getOutputStream(), async::complete);
        } catch (RuntimeException e) {
            // takes effect once this dispatch returns, after the runtime has written the error
            async.complete();
            throw e;
        }
        if (admission.refusal() != null) {
            async.complete();
            throw refused(admission.refusal());
        }
        if (admission.blockedUntil() != null) {
            async.complete();
            throw blocked(admission.blockedUntil());
        }
        Subscriber subscriber = admission.subscriber();
        streamEnd.attach(subscriber);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(CONTENT_TYPE);
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        // nginx and similar proxies would otherwise hold events back to fill their buffers
        response.setHeader("X-Accel-Buffering", "no");
        try {
            // committed here, so the runtime's empty response to this void method changes nothing
            response.flushBuffer();
        } catch (IOException e) {
            subscriber.close(Subscriber.CloseReason.CLIENT_GONE);
            return;
        }
        StreamStartFilter.startAfterRuntime(request, subscriber);
    }

    /**
     * No {@code Retry-After}: HTTP defines it for 503, 429 and redirects, and a 403 tells a client not to repeat the
     * request as it is. The detail says until when.
     */
    private static ApiException blocked(Instant until) {
        return new ApiException(403, "subject_blocked", "new streams of this token's subject are refused until "
                + until + " (an admin ended them with for=)");
    }

    private static ApiException refused(ConnectionLimits.Refusal refusal) {
        return switch (refusal.kind()) {
            case NODE_FULL -> new ApiException(503, "too_many_connections", "this node holds its maximum of "
                    + refusal.limit() + " streams; try again, or another node").withHeader("Retry-After", "5");
            case ADDRESS_FULL -> new ApiException(429, "too_many_connections_from_address", "at most "
                    + refusal.limit() + " streams per client address").withHeader("Retry-After", "10");
        };
    }
}
