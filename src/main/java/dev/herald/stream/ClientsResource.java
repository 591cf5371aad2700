package dev.herald.stream;

import dev.herald.app.ApiException;
import dev.herald.app.HeraldLifecycle;
import dev.herald.app.Json;
import dev.herald.backbone.Backbone;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code /api/clients}: the connected clients, oldest first. */
@Path("clients")
public class ClientsResource {

    /** A node can hold tens of thousands of streams; a list this long is already more than a page shows. */
    static final int MAX_LISTED = 1000;

    @Context
    private ServletContext context;

    /** Ends a client's stream, on whichever node holds it: 204 here, 202 on another node, 404 on none. */
    @DELETE
    @Path("{clientId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response kick(@Context HttpServletRequest request, @PathParam("clientId") String clientId) {
        HeraldLifecycle.access(context).checkAdmin(request);
        if (!clientId.matches("[A-Za-z0-9_-]{10}")) {
            throw ApiException.badRequest("invalid_client_id", "a client id is 10 characters from A-Z a-z 0-9 _ -");
        }
        Hub hub = HeraldLifecycle.hub(context);
        try {
            return switch (hub.kick(clientId)) {
                case LOCAL -> Response.noContent().build();
                case OTHER_NODE -> Response.accepted().build();
                case UNKNOWN -> throw new ApiException(404, "unknown_client", "no node holds the client " + clientId);
            };
        } catch (Backbone.UnavailableException e) {
            throw new ApiException(503, "backbone_unavailable", e.getMessage());
        }
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response list(@Context HttpServletRequest request) {
        HeraldLifecycle.access(context).checkPresence(request);
        Hub hub = HeraldLifecycle.hub(context);
        return Response.ok(Json.write(hub.clients(MAX_LISTED)))
                .header("X-Total-Count", hub.clientCount())
                .build();
    }
}
