package dev.herald.stream;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;

/** The headers every event stream needs: no caching, and no buffering by a proxy such as nginx. */
@Provider
public class EventStreamHeaders implements ContainerResponseFilter {

    static final String CONTENT_TYPE = MediaType.SERVER_SENT_EVENTS + ";charset=UTF-8";

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        MediaType type = response.getMediaType();
        if (type != null && MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(type)) {
            response.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
            response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-cache");
            response.getHeaders().putSingle("X-Accel-Buffering", "no");
        }
    }
}
