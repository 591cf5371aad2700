package dev.herald.stream;

import dev.herald.auth.Access;
import dev.herald.backbone.Backbone;
import dev.herald.json.Json;
import dev.herald.web.ApiException;
import dev.herald.web.Components;
import dev.herald.web.QueryString;
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
import java.time.Duration;
import java.util.Map;

/** {@code /api/clients}: the connected clients, oldest first, and ending one of their streams, or a subject's. */
@Path("clients")
public class ClientsResource {

    /** A node can hold tens of thousands of streams; a list this long is already more than a page shows. */
    static final int MAX_LISTED = 1000;
    /** Says that only this node's clients are listed: the other nodes could not be asked. */
    static final String PARTIAL = "Herald-Partial";
    /**
     * OpenID Connect bounds a {@code sub} to 255 ASCII characters; a longer one is no token's, and it would go into a
     * Redis key and a message to every node.
     */
    static final int MAX_SUBJECT_LENGTH = 255;
    /** A block lasts at most a day: a longer ban belongs at the token issuer, which stops issuing the tokens. */
    static final int MAX_BLOCK_SECONDS = 86_400;

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

    /**
     * {@code ?sub=<subject>}: ends every stream of a token subject on every node (a logout, a ban), with
     * {@code &for=<seconds>} also refusing its new streams that long. Answers how many streams this node ended: the
     * other nodes end theirs as the command reaches them, unawaited.
     */
    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    public Response endSubject(@Context HttpServletRequest request) {
        Components.get(context, Access.class).checkAdmin(request);
        QueryString.requireWellFormed(request);
        String subject = subject(request.getParameterValues("sub"));
        Duration block = block(request.getParameterValues("for"));
        try {
            int ended = Components.get(context, Hub.class).endSubject(subject, block);
            return Response.ok(Json.write(Map.of("ended", ended))).build();
        } catch (Backbone.BlockedFullException e) {
            throw new ApiException(409, "blocked_full", e.getMessage());
        }
    }

    private static String subject(String[] values) {
        if (values == null || values.length != 1 || values[0].isEmpty() || values[0].length() > MAX_SUBJECT_LENGTH) {
            throw ApiException.badRequest("invalid_sub", "'sub' must be given once, the subject of a token: 1 to "
                    + MAX_SUBJECT_LENGTH + " characters");
        }
        return values[0];
    }

    /** The block's length, or null without {@code for}. */
    private static Duration block(String[] values) {
        if (values == null) {
            return null;
        }
        if (values.length == 1 && values[0].matches("[0-9]{1,5}")) {
            int seconds = Integer.parseInt(values[0]);
            if (seconds >= 1 && seconds <= MAX_BLOCK_SECONDS) {
                return Duration.ofSeconds(seconds);
            }
        }
        throw ApiException.badRequest("invalid_for", "'for' must be given at most once, a whole number of seconds "
                + "from 1 to " + MAX_BLOCK_SECONDS);
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
