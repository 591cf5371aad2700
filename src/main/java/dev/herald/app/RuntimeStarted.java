package dev.herald.app;

import dev.herald.stream.Hub;
import dev.herald.web.Components;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.sse.Sse;
import org.glassfish.jersey.internal.inject.InjectionManager;
import org.glassfish.jersey.server.spi.Container;
import org.glassfish.jersey.server.spi.ContainerLifecycleListener;

/**
 * Hands the runtime's one {@link Sse} to the hub when Jersey starts the application, so the hub builds every event
 * with it and no request has to pass it along. Jersey's own hook, as Herald runs on Jersey in every container
 * (bundled on Tomcat, Payara's own on Payara).
 */
public class RuntimeStarted implements ContainerLifecycleListener {

    @Override
    public void onStartup(Container container) {
        InjectionManager injection = container.getApplicationHandler().getInjectionManager();
        ServletContext context = injection.getInstance(ServletContext.class);
        Components.get(context, Hub.class).runtimeStarted(injection.getInstance(Sse.class));
    }

    @Override
    public void onReload(Container container) {
        onStartup(container);
    }

    @Override
    public void onShutdown(Container container) {
        // the hub outlives the runtime's shutdown only by moments; HeraldLifecycle closes it
    }
}
