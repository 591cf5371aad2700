package dev.herald.stream;

import dev.herald.backbone.Backbone;
import dev.herald.web.ErrorBody;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * The backbone (Redis) cannot be reached: {@code 503 backbone_unavailable}, whatever asked for it (a publish, a
 * kick, a catch-up that must ask whether an id is stored). Nothing was changed; the caller retries.
 */
@Provider
public class BackboneUnavailableMapper implements ExceptionMapper<Backbone.UnavailableException> {

    @Override
    public Response toResponse(Backbone.UnavailableException e) {
        return ErrorBody.response(503, "backbone_unavailable", e.getMessage()).build();
    }
}
