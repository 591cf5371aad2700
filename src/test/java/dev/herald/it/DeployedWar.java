package dev.herald.it;

import java.net.URL;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deploys the very WAR that {@code mvn package} built, as {@code herald.war}, to the server this run tests
 * (Tomcat or Payara, chosen by the failsafe execution), and talks to it over real HTTP from outside.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
abstract class DeployedWar {

    @ArquillianResource
    protected URL deployment;

    private ExecutorService readers;
    protected Api api;

    @Deployment(testable = false)
    static WebArchive war() {
        return BuiltWar.load();
    }

    @BeforeEach
    void connect() {
        readers = Executors.newCachedThreadPool();
        api = new Api(deployment, readers);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        readers.shutdownNow();
        readers.awaitTermination(10, TimeUnit.SECONDS);
    }
}
