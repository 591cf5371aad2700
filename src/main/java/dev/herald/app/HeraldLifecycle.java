package dev.herald.app;

import dev.herald.auth.Access;
import dev.herald.backbone.Backbones;
import dev.herald.config.ConfigSources;
import dev.herald.config.HeraldConfig;
import dev.herald.stream.Hub;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * Creates the hub when the WAR is deployed and closes it when it is undeployed. Reading the configuration here
 * means an invalid value stops the deployment, with a message naming the key, before any request is served.
 */
@WebListener
public class HeraldLifecycle implements ServletContextListener {

    private static final Logger LOG = Logger.getLogger(HeraldLifecycle.class.getName());
    private static final String HUB = Hub.class.getName();
    private static final String ACCESS = Access.class.getName();

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        HeraldConfig config = HeraldConfig.read(ConfigSources.standard(context));
        // first: a key Herald cannot use stops the deployment before any thread starts
        context.setAttribute(ACCESS, Access.of(config));
        context.setAttribute(HUB, new Hub(config, Clock.systemUTC(), Backbones.of(config)));
        LOG.info(() -> "Herald started with " + config.asMap());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Object hub = event.getServletContext().getAttribute(HUB);
        if (hub instanceof Hub running) {
            running.close();
            LOG.info("Herald stopped");
        }
    }

    /** Who may do what in this deployment. */
    public static Access access(ServletContext context) {
        return (Access) context.getAttribute(ACCESS);
    }

    /** The hub of this deployment. */
    public static Hub hub(ServletContext context) {
        return (Hub) context.getAttribute(HUB);
    }
}
