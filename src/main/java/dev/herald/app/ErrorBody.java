package dev.herald.app;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON body of every error: {@code {"error":"<stable code>","detail":"..."}}. */
final class ErrorBody {

    private ErrorBody() {
    }

    static Response.ResponseBuilder response(int status, String code, String detail) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("detail", detail);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(body));
    }
}
