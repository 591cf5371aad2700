package dev.herald.app;

import dev.herald.config.ConfigSources;
import dev.herald.config.HeraldConfig;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.util.logging.Logger;

/**
 * Starts Herald when the WAR is deployed and stops it when it is undeployed. Reading the configuration here
 * means an invalid value stops the deployment, with a message naming the key, before any request is served.
 */
@WebListener
public class HeraldLifecycle implements ServletContextListener {

    private static final Logger LOG = Logger.getLogger(HeraldLifecycle.class.getName());

    private Node node;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        HeraldConfig config = HeraldConfig.read(ConfigSources.standard(event.getServletContext()));
        node = Node.start(config, event.getServletContext());
        LOG.info(() -> "Herald started with " + config.asMap());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (node != null) {
            node.close();
            node = null;
            LOG.info("Herald stopped");
        }
    }
}
