package dev.herald.web;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Sends Herald's own refusals as their JSON error. */
@Provider
public class ApiExceptionMapper implements ExceptionMapper<ApiException> {

    @Override
    public Response toResponse(ApiException e) {
        Response.ResponseBuilder response = ErrorBody.response(e.status(), e.code(), e.getMessage());
        e.headers().forEach(response::header);
        return response.build();
    }
}
