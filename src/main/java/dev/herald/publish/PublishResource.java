package dev.herald.publish;

import dev.herald.auth.Access;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.IdempotencyKeys;
import dev.herald.config.HeraldConfig;
import dev.herald.history.EventId;
import dev.herald.json.Json;
import dev.herald.stream.Hub;
import dev.herald.web.ApiException;
import dev.herald.web.Components;
import dev.herald.web.QueryString;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Map;

/**
 * {@code POST /api/events} publishes an event, or a batch of them (a JSON array), all or nothing: who may, what
 * they send, how often, then the hub stores them. (A GET
 * of the same path opens a stream: {@code stream.EventsResource}; Jersey merges the two into one resource.)
 */
@Path("events")
public class PublishResource {

    @Context
    private ServletContext context;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response publish(@Context HttpServletRequest request, @Context HttpHeaders headers, InputStream body,
            @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey) {
        QueryString.requireWellFormed(request);
        Access.Publisher publisher = Components.get(context, Access.class).publisher(request);
        PublishBody.checkContentType(headers.getMediaType());
        if (idempotencyKey != null && !IdempotencyKeys.isValid(idempotencyKey)) {
            throw ApiException.badRequest("invalid_idempotency_key", "the Idempotency-Key header must be 1-"
                    + IdempotencyKeys.MAX_LENGTH + " visible ASCII characters");
        }
        HeraldConfig config = Components.get(context, HeraldConfig.class);
        PublishRequest publish = PublishRequest.read(body, headers.getLength(), config.eventMaxBytes(), config.batch());
        publish.checkEachTopic(publisher::check);
        Components.get(context, PublishRate.class).take(publisher.who(), publish.events().size(), publish::at,
                System.nanoTime());
        Backbone.Published published;
        try {
            published = Components.get(context, Hub.class).publish(publish.events(), publish.batch(), idempotencyKey);
        } catch (Backbone.IdempotencyKeyReusedException e) {
            throw new ApiException(422, "idempotency_key_reused", e.getMessage());
        } catch (Backbone.RetainedFullException e) {
            throw new ApiException(409, "retained_full", e.getMessage());
        }
        Map<String, Object> answer = publish.batch()
                ? Map.of("ids", published.ids().stream().map(EventId::toString).toList())
                : Map.of("id", published.id().toString());
        Response.ResponseBuilder accepted = Response.accepted(Json.write(answer));
        if (published.repeated()) {
            // as Stripe does: the answer of the first publish, marked so a caller can tell
            accepted.header("Idempotent-Replayed", "true");
        }
        return accepted.build();
    }
}
