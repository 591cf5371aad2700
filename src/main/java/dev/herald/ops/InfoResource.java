package dev.herald.ops;

import dev.herald.stream.Hub;
import dev.herald.auth.Access;
import dev.herald.web.Components;
import dev.herald.json.Json;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /api/info}: how this Herald runs, for its page: open to anyone or not, which backbone. */
@Path("info")
@Produces(MediaType.APPLICATION_JSON)
public class InfoResource {

    @Context
    private ServletContext context;

    @GET
    public String info() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("open", Components.get(context, Access.class).isOpen());
        info.put("backbone", Components.get(context, Hub.class).backboneName());
        return Json.write(info);
    }
}
