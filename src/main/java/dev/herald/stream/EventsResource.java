package dev.herald.stream;

import dev.herald.app.ApiException;
import dev.herald.app.HeraldLifecycle;
import dev.herald.app.Json;
import dev.herald.history.Event;
import dev.herald.publish.EventDraft;
import dev.herald.publish.PublishBody;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
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
import jakarta.ws.rs.sse.SseEventSink;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/** {@code /api/events}: GET opens a stream, POST publishes an event. */
@Path("events")
public class EventsResource {

    @Context
    private ServletContext context;
    @Context
    private Sse sse;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void subscribe(@Context SseEventSink sink, @Context HttpServletRequest request,
            @QueryParam("topic") List<String> topics,
            @QueryParam("envelope") String envelope,
            @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventIdHeader,
            @QueryParam("lastEventId") String lastEventIdQuery) {
        Hub hub = HeraldLifecycle.hub(context);
        Subscription subscription = Subscription.of(topics, envelope, lastEventIdHeader, lastEventIdQuery,
                hub.config().topicsPerConnection());
        StreamEndListener streamEnd = new StreamEndListener();
        AsyncContext async = request.getAsyncContext();
        // a stream ends when Herald or the client ends it, never on the servlet's async timeout (30 s on Tomcat)
        async.setTimeout(0);
        async.addListener(streamEnd);
        try {
            streamEnd.attach(hub.subscribe(subscription, sink, sse));
        } catch (HubClosedException e) {
            throw shuttingDown(e);
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response publish(@Context HttpHeaders headers, InputStream body) {
        Hub hub = HeraldLifecycle.hub(context);
        PublishBody.checkContentType(headers.getMediaType());
        EventDraft draft = EventDraft.parse(PublishBody.read(body, headers.getLength(), hub.config().eventMaxBytes()));
        try {
            Event event = hub.publish(draft, sse);
            return Response.accepted(Json.write(Map.of("id", event.id().toString()))).build();
        } catch (HubClosedException e) {
            throw shuttingDown(e);
        }
    }

    private static ApiException shuttingDown(HubClosedException e) {
        return new ApiException(503, "shutting_down", e.getMessage());
    }
}
