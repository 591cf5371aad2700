package dev.herald.app;

import dev.herald.ops.HealthResource;
import dev.herald.ops.InfoResource;
import dev.herald.ops.MetricsResource;
import dev.herald.publish.PublishResource;
import dev.herald.stream.BackboneUnavailableMapper;
import dev.herald.stream.ClientsResource;
import dev.herald.stream.EventsResource;
import dev.herald.stream.RetainedResource;
import dev.herald.stream.ShuttingDownMapper;
import dev.herald.web.ApiExceptionMapper;
import dev.herald.web.WebApplicationExceptionMapper;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;
import java.util.Set;

/** Herald's HTTP API under {@code /api}; the classes are listed so every server deploys exactly these. */
@ApplicationPath("api")
public class HeraldApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(EventsResource.class, PublishResource.class, ClientsResource.class, RetainedResource.class,
                HealthResource.class, InfoResource.class, MetricsResource.class,
                ApiExceptionMapper.class, WebApplicationExceptionMapper.class, ShuttingDownMapper.class,
                BackboneUnavailableMapper.class,
                RuntimeStarted.class);
    }

    /** Jersey features Herald does not use, which would otherwise warn at every start that their APIs are absent. */
    @Override
    public Map<String, Object> getProperties() {
        return Map.of(
                "jersey.config.server.wadl.disableWadl", true,
                "jersey.config.disableDefaultProvider", "DATASOURCE,DOMSOURCE,RENDEREDIMAGE,SAXSOURCE,SOURCE,STREAMSOURCE");
    }
}
