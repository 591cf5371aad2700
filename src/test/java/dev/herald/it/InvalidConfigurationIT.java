package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A deployer who sets an invalid value gets a failed deployment, not a Herald that runs with a guess. */
@ExtendWith(ArquillianExtension.class)
class InvalidConfigurationIT {

    private static final String MISCONFIGURED = "misconfigured";

    @ArquillianResource
    private Deployer deployer;

    @ArquillianResource
    private URL herald;

    @Deployment(name = "herald", testable = false, order = 1)
    static WebArchive herald() {
        return built();
    }

    /** The built WAR with a deployer's web.xml that sets a history of 0 events, below the allowed 1..1000000. */
    @Deployment(name = MISCONFIGURED, testable = false, managed = false, order = 2)
    static WebArchive misconfigured() {
        return ShrinkWrap.create(WebArchive.class, MISCONFIGURED + ".war").merge(built()).setWebXML(new StringAsset("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param>
                    <param-name>herald.history.size</param-name>
                    <param-value>0</param-value>
                  </context-param>
                </web-app>
                """));
    }

    private static WebArchive built() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("herald.war")));
    }

    @Test
    void anInvalidSettingStopsTheDeployment() throws Exception {
        try {
            deployer.deploy(MISCONFIGURED);
        } catch (RuntimeException refused) {
            // Tomcat's manager answers FAIL; other servers deploy and leave the application stopped
        }
        URI health = herald.toURI().resolve("/" + MISCONFIGURED + "/api/health/live");
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(404, response.statusCode(), "the misconfigured application must not serve: " + response.body());
        assertEquals(200, HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(herald.toURI().resolve("api/health/live")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "the same WAR, configured well, serves");
    }
}
