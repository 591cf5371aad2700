package dev.herald.stream;

import dev.herald.auth.Access;
import dev.herald.json.Json;
import dev.herald.web.ApiException;
import dev.herald.web.Components;
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

/** {@code /api/clients}: the connected clients, oldest first, and ending one of their streams. */
@Path("clients")
public class ClientsResource {

    /** A node can hold tens of thousands of streams; a list this long is already more than a page shows. */
    static final int MAX_LISTED = 1000;
    /** Says that only this node's clients are listed: the other nodes could not be asked. */
    static final String PARTIAL = "Herald-Partial";

    @Context
    private ServletContext context;

    /** Ends a client's stream, on whichever node holds it: 204 here, 202 on another node, 404 on none. */
    @DELETE
    @Path("{clientId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response kick(@Context HttpServletRequest request, @PathParam("clientId") String clientId) {
        Components.get(context, Access.class).checkAdmin(request);
        if (!clientId.matches("[A-Za-z0-9_-]{" + ClientIds.LENGTH + "}")) {
            throw ApiException.badRequest("invalid_client_id", "a client id is 10 characters from A-Z a-z 0-9 _ -");
        }
        return switch (Components.get(context, Hub.class).kick(clientId)) {
            case LOCAL -> Response.noContent().build();
            case OTHER_NODE -> Response.accepted().build();
            case UNKNOWN -> throw new ApiException(404, "unknown_client", "no node holds the client " + clientId);
        };
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response list(@Context HttpServletRequest request) {
        Components.get(context, Access.class).checkPresence(request);
        Hub.ClientList list = Components.get(context, Hub.class).clients(MAX_LISTED);
        Response.ResponseBuilder answer = Response.ok(Json.write(list.clients()));
        return list.partial()
                ? answer.header(PARTIAL, "true").build()
                : answer.header("X-Total-Count", list.total()).build();
    }
}
