package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** On Tomcat, an invalid setting makes the manager refuse the deployment, while the same WAR configured well runs. */
@ExtendWith(ArquillianExtension.class)
class InvalidSettingTomcatIT {

    @ArquillianResource
    private Deployer deployer;

    @ArquillianResource
    private URL herald;

    @Deployment(name = "herald", testable = false, order = 1)
    static WebArchive herald() {
        return BuiltWar.load();
    }

    @Deployment(name = BuiltWar.MISCONFIGURED, testable = false, managed = false, order = 2)
    static WebArchive misconfigured() {
        return BuiltWar.misconfigured();
    }

    @Test
    void anInvalidSettingStopsTheDeployment() throws Exception {
        try {
            RuntimeException refused = assertThrows(RuntimeException.class, () -> deployer.deploy(BuiltWar.MISCONFIGURED));
            assertTrue(String.valueOf(refused.getMessage()).contains("context failed to start"), refused.getMessage());

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> misconfigured = ApiDescription.checked(http.send(HttpRequest.newBuilder(
                    herald.toURI().resolve("/" + BuiltWar.MISCONFIGURED + "/api/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            HttpResponse<String> configured = ApiDescription.checked(http.send(HttpRequest.newBuilder(
                    herald.toURI().resolve("api/health/live")).build(), HttpResponse.BodyHandlers.ofString()));

            assertEquals(404, misconfigured.statusCode(), misconfigured.body());
            assertEquals(200, configured.statusCode(), configured.body());
        } finally {
            deployer.undeploy(BuiltWar.MISCONFIGURED);
        }
    }
}
