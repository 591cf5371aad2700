package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On Tomcat, a user of the container's realm (the test {@code tomcat-users.xml}) with the role
 * {@code herald-publisher} may publish with HTTP Basic credentials; one without the role may not.
 */
class PublishRoleTomcatIT extends DeployedWar {

    private HttpResponse<String> publishAs(String user, String password) throws Exception {
        String credentials = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return api.post("api/events", "application/json",
                "{\"topic\":\"desk\",\"data\":\"from the newsroom\"}".getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Basic " + credentials));
    }

    @Test
    void aContainerUserWithThePublisherRoleMayPublish() throws Exception {
        try (SseStream stream = api.stream("topic=desk")) {
            stream.ready();

            HttpResponse<String> published = publishAs("newsroom", "newsroom-password");

            assertEquals(202, published.statusCode(), published.body());
            assertEquals("\"from the newsroom\"", stream.next().data());
        }
    }

    @Test
    void aUserWithoutTheRoleIsForbiddenAndAWrongPasswordUnauthorized() throws Exception {
        HttpResponse<String> withoutRole = publishAs("reader", "reader-password");
        HttpResponse<String> wrongPassword = publishAs("newsroom", "not-the-password");

        assertEquals(403, withoutRole.statusCode(), withoutRole.body());
        assertTrue(withoutRole.body().contains("herald-publisher"), withoutRole.body());
        assertEquals(401, wrongPassword.statusCode(), wrongPassword.body());
    }
}
