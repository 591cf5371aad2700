package dev.herald.ops;

import dev.herald.auth.ProviderKeys;
import dev.herald.web.Components;
import dev.herald.json.Json;
import dev.herald.stream.Hub;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** Health for load balancers: live while the WAR runs, ready while it takes new streams. */
@Path("health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    @Context
    private ServletContext context;

    @GET
    @Path("live")
    public Response live() {
        return status(true);
    }

    @GET
    @Path("ready")
    public Response ready() {
        Hub hub = Components.get(context, Hub.class);
        boolean backbone = hub.isBackboneAvailable();
        boolean up = hub.isReady() && backbone;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("name", hub.backboneName());
        detail.put("status", backbone ? "UP" : "DOWN");
        body.put("backbone", detail);
        ProviderKeys keys = Components.find(context, ProviderKeys.class);
        if (keys != null) {
            // reported, never a reason to leave the pool: every node would leave it at once, while tokens
            // signed with keys still held verify and the others get 503 keys_unavailable with Retry-After
            body.put("keys", keys.health());
        }
        return Response.status(up ? 200 : 503).entity(Json.write(body)).build();
    }

    private static Response status(boolean up) {
        return Response.status(up ? 200 : 503).entity(Json.write(Map.of("status", up ? "UP" : "DOWN"))).build();
    }
}
