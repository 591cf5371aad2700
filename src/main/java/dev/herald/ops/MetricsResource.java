package dev.herald.ops;

import dev.herald.auth.Access;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.web.Components;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/** {@code GET /api/metrics}: this node's metrics in the Prometheus text format; access as for the client list. */
@Path("metrics")
public class MetricsResource {

    /** What Prometheus asks for and understands: the text exposition format 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    @Context
    private ServletContext context;

    @GET
    public Response scrape(@Context HttpServletRequest request) {
        Components.get(context, Access.class).checkPresence(request);
        return Response.ok(Components.get(context, HeraldMetrics.class).scrape(), CONTENT_TYPE).build();
    }
}
