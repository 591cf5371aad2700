package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Over HTTP/2 a request carries {@code :authority} and no {@code Host} header; a page's own publish, which sends
 * its {@code Origin}, must still count as same-origin. Tomcat's second test connector speaks h2c; the client
 * upgrades its connection with a first request, so the requests after it travel as HTTP/2, which Tomcat's access
 * log (written by the test server.xml, unbuffered) confirms for each.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class Http2TomcatIT {

    private static final String BASE = "http://127.0.0.1:" + Integer.getInteger("it.tomcat.h2c.port", 18083);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Deployment(testable = false)
    static WebArchive herald() {
        return BuiltWar.load();
    }

    private HttpResponse<String> publish(String origin, String data) throws Exception {
        return ApiDescription.checked(http.send(HttpRequest.newBuilder(URI.create(BASE + "/herald/api/events"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + Tokens.publisher())
                .header("Origin", origin)
                .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"h2\",\"data\":" + data + "}"))
                .build(), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void thePagesOwnOriginMayPublishOverHttp2AndAForeignOneMayNot() throws Exception {
        // the upgrade: this first request goes as HTTP/1.1 with Host, and turns the connection into HTTP/2
        HttpResponse<String> upgrade = ApiDescription.checked(http.send(HttpRequest.newBuilder(
                URI.create(BASE + "/herald/api/health/live")).GET().build(), HttpResponse.BodyHandlers.ofString()));
        assertEquals(200, upgrade.statusCode());

        HttpResponse<String> own = publish(BASE, "1");
        HttpResponse<String> foreign = publish("http://evil.example", "2");

        assertEquals(HttpClient.Version.HTTP_2, own.version());
        assertEquals(202, own.statusCode(), own.body());
        assertEquals(BASE, own.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(foreign.body().contains("\"error\":\"origin_not_allowed\""), foreign.body());
        List<String> expected = List.of("HTTP/2.0 POST /herald/api/events 202 " + BASE,
                "HTTP/2.0 POST /herald/api/events 403 http://evil.example");
        List<String> posts = postsLogged(expected);
        assertTrue(posts.containsAll(expected), posts.toString());
    }

    /**
     * The POSTs in Tomcat's access log once it holds {@code expected}, or after 5 s: the valve writes a line after
     * the answer has gone, so the client may read its answer before the line is there.
     */
    private static List<String> postsLogged(List<String> expected) throws Exception {
        Path log = Path.of(System.getProperty("it.catalina.home"), "logs", "access.log");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<String> posts = Files.readAllLines(log).stream()
                    .filter(line -> line.contains("POST /herald/api/events")).toList();
            if (posts.containsAll(expected) || System.nanoTime() > deadline) {
                return posts;
            }
            Thread.sleep(50);
        }
    }
}
