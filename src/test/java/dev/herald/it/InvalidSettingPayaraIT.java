package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On Payara Micro, which starts one server per deployment, an invalid setting leaves the application stopped:
 * the server runs, but nothing answers under the application's path.
 */
@ExtendWith(ArquillianExtension.class)
class InvalidSettingPayaraIT {

    /** The server's root: Payara reports no context path for an application that failed to start. */
    @ArquillianResource
    private URL server;

    @Deployment(testable = false)
    static WebArchive misconfigured() {
        return BuiltWar.misconfigured();
    }

    @Test
    void anInvalidSettingStopsTheApplication() throws Exception {
        HttpResponse<String> response = ApiDescription.checked(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.toURI().resolve("/" + BuiltWar.MISCONFIGURED + "/api/health/live")).build(),
                HttpResponse.BodyHandlers.ofString()));

        assertEquals(404, response.statusCode(), response.body());
    }
}
