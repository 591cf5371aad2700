package dev.herald.stream;

import dev.herald.app.ApiException;
import dev.herald.app.HeraldLifecycle;
import dev.herald.app.Json;
import dev.herald.auth.Access;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.IdempotencyKeys;
import dev.herald.publish.EventDraft;
import dev.herald.publish.PublishBody;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/events}: GET opens a stream, POST publishes an event. A stream's events are built with the runtime's
 * {@code Sse} and broadcast through {@code SseBroadcaster}s; Herald's own sink writes them to the servlet's
 * non-blocking output, so no client can hold a thread.
 */
@Path("events")
public class EventsResource {

    private static final String CONTENT_TYPE = MediaType.SERVER_SENT_EVENTS + ";charset=UTF-8";

    @Context
    private ServletContext context;
    @Context
    private Sse sse;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void subscribe(@Context HttpServletRequest request, @Context HttpServletResponse response,
            @QueryParam("topic") List<String> topics,
            @QueryParam("envelope") String envelope,
            @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventIdHeader,
            @QueryParam("lastEventId") String lastEventIdQuery) throws IOException {
        Hub hub = HeraldLifecycle.hub(context);
        Subscription subscription = Subscription.of(topics, envelope, lastEventIdHeader, lastEventIdQuery,
                hub.config().topicsPerConnection());
        Access access = HeraldLifecycle.access(context);
        Access.Listener listener = access.listener(request);
        subscription.topics().forEach(listener::check);
        String address = access.address(request);
        AsyncContext async = request.startAsync();
        // a stream ends when Herald or the client ends it, never on the servlet's async timeout (30 s on Tomcat)
        async.setTimeout(0);
        StreamEndListener streamEnd = new StreamEndListener();
        async.addListener(streamEnd);
        Subscriber subscriber;
        try {
            subscriber = hub.subscribe(subscription, response.getOutputStream(), async::complete, sse,
                    listener.expiresAt(), address);
        } catch (HubClosedException e) {
            // takes effect once this dispatch returns, after the runtime has written the error
            async.complete();
            throw shuttingDown(e);
        } catch (ApiException e) {
            async.complete();
            throw e;
        }
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

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response publish(@Context HttpServletRequest request, @Context HttpHeaders headers, InputStream body,
            @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey) {
        Hub hub = HeraldLifecycle.hub(context);
        Access.Publisher publisher = HeraldLifecycle.access(context).publisher(request);
        PublishBody.checkContentType(headers.getMediaType());
        if (idempotencyKey != null && !IdempotencyKeys.isValid(idempotencyKey)) {
            throw ApiException.badRequest("invalid_idempotency_key", "the Idempotency-Key header must be 1-"
                    + IdempotencyKeys.MAX_LENGTH + " visible ASCII characters");
        }
        EventDraft draft = EventDraft.parse(PublishBody.read(body, headers.getLength(), hub.config().eventMaxBytes()));
        publisher.check(draft.topic());
        HeraldLifecycle.access(context).countPublish(publisher);
        Backbone.Published published;
        try {
            published = hub.publish(draft, idempotencyKey, sse);
        } catch (HubClosedException e) {
            throw shuttingDown(e);
        } catch (Backbone.UnavailableException e) {
            throw new ApiException(503, "backbone_unavailable", e.getMessage());
        } catch (Backbone.IdempotencyKeyReusedException e) {
            throw new ApiException(422, "idempotency_key_reused", e.getMessage());
        }
        Response.ResponseBuilder accepted = Response.accepted(Json.write(Map.of("id", published.id().toString())));
        if (published.repeated()) {
            // as Stripe does: the answer of the first publish, marked so a caller can tell
            accepted.header("Idempotent-Replayed", "true");
        }
        return accepted.build();
    }

    private static ApiException shuttingDown(HubClosedException e) {
        return new ApiException(503, "shutting_down", e.getMessage());
    }
}
