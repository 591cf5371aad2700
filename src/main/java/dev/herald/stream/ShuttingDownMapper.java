package dev.herald.stream;

import dev.herald.web.ErrorBody;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** A request that reaches a hub shutting down: {@code 503 shutting_down}; the client tries again elsewhere. */
@Provider
public class ShuttingDownMapper implements ExceptionMapper<HubClosedException> {

    @Override
    public Response toResponse(HubClosedException e) {
        return ErrorBody.response(503, "shutting_down", e.getMessage()).build();
    }
}
