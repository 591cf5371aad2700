package dev.herald.web;

import dev.herald.json.Json;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON body of every error: {@code {"error":"<stable code>","detail":"..."}}. */
public final class ErrorBody {

    private ErrorBody() {
    }

    /** The body as JSON text, for a filter that answers without the JAX-RS runtime. */
    public static String json(String code, String detail) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("detail", detail);
        return Json.write(body);
    }

    /** An answer with the body, for a resource or an exception mapper to complete. */
    public static Response.ResponseBuilder response(int status, String code, String detail) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(json(code, detail));
    }
}
