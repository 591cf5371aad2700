package dev.herald.stream;

import dev.herald.app.HeraldLifecycle;
import dev.herald.app.Json;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
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
