package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * The one Keycloak of this test run (dev mode on 127.0.0.1, started by Maven in pre-integration-test through
 * {@code src/test/keycloak/start.sh} and stopped when Maven ends), as the tests reach it: waits until it answers,
 * calls its admin REST API as the bootstrap admin, gets tokens, and can freeze it to play a provider that is down.
 */
final class KeycloakForTests {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A cold start took 32-40 s here; the stages begin meanwhile, so this is a bound, not an expected wait. */
    private static final Duration STARTUP = Duration.ofSeconds(180);
    /** The master realm's admin tokens live 60 s; one is reused for at most half that. */
    private static final long ADMIN_TOKEN_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final URI base;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String adminToken;
    private long adminTokenAt;

    private KeycloakForTests(int port, Path dir) {
        this.base = URI.create("http://127.0.0.1:" + port + "/");
        this.dir = dir;
    }

    /**
     * Keycloak once it answers. Aborts (a JUnit assumption, {@link TestAbortedException}) when the build was told not to start it, or when the
     * start script found no Java 21+; fails when it does not answer within {@link #STARTUP}.
     */
    static KeycloakForTests await() throws IOException, InterruptedException {
        if (Boolean.getBoolean("it.keycloak.skip")) {
            throw new TestAbortedException("Keycloak not started: -Dit.keycloak.skip=true");
        }
        KeycloakForTests keycloak = new KeycloakForTests(Integer.getInteger("it.keycloak.port", 18280),
                Path.of(System.getProperty("it.keycloak.dir", "target/keycloak")));
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            keycloak.assumeJava21();
            if (keycloak.answers()) {
                return keycloak;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Keycloak did not answer on " + keycloak.base + " within " + STARTUP.toSeconds()
                        + " s; see " + keycloak.dir.resolve("keycloak.log"));
            }
            Thread.sleep(500);
        }
    }

    /** The start script leaves this marker when it found no Java to run Keycloak with. */
    private void assumeJava21() {
        if (Files.exists(dir.resolve("NO_JAVA21"))) {
            throw new TestAbortedException("Keycloak needs Java 21+: none found");
        }
    }

    private boolean answers() throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve("realms/master")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The issuer of {@code realm}'s tokens, as tokens fetched through 127.0.0.1 name it. */
    String issuer(String realm) {
        return base.resolve("realms/" + realm).toString();
    }

    /** {@code realm}, deleted first if a run before left it, so every stage and every rerun starts clean. */
    KeycloakRealm freshRealm(String realm) throws IOException, InterruptedException {
        HttpResponse<String> deleted = admin("DELETE", "admin/realms/" + realm, null);
        if (deleted.statusCode() != 204 && deleted.statusCode() != 404) {
            throw new AssertionError("deleting realm " + realm + ": " + deleted.statusCode() + " " + deleted.body());
        }
        created("admin/realms", Map.of("realm", realm, "enabled", true));
        return new KeycloakRealm(this, realm);
    }

    /** Calls the admin REST API ({@code path} relative to Keycloak's root) as the bootstrap admin. */
    HttpResponse<String> admin(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + adminToken())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An admin GET that must succeed, as JSON. */
    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = admin("GET", path, null);
        assertEquals(200, response.statusCode(), () -> "GET " + path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    /** An admin POST that must create something; the new thing's id, from its {@code Location}. */
    String created(String path, Object body) throws IOException, InterruptedException {
        HttpResponse<String> response = admin("POST", path, body);
        assertEquals(201, response.statusCode(), () -> "POST " + path + ": " + response.body());
        String location = response.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** An admin POST or DELETE that must succeed without content. */
    void done(String method, String path, Object body) throws IOException, InterruptedException {
        HttpResponse<String> response = admin(method, path, body);
        assertEquals(204, response.statusCode(), () -> method + " " + path + ": " + response.body());
    }

    /** The access token the token endpoint of {@code realm} answers to {@code form}. */
    String token(String realm, Map<String, String> form) throws IOException, InterruptedException {
        HttpResponse<String> response = postForm("realms/" + realm + "/protocol/openid-connect/token", form);
        assertEquals(200, response.statusCode(), () -> "token from " + realm + ": " + response.body());
        return JSON.readTree(response.body()).get("access_token").asText();
    }

    private synchronized String adminToken() throws IOException, InterruptedException {
        if (adminToken == null || System.nanoTime() - adminTokenAt > ADMIN_TOKEN_NANOS) {
            HttpResponse<String> response = postForm("realms/master/protocol/openid-connect/token", Map.of(
                    "grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin"));
            assertEquals(200, response.statusCode(), () -> "admin token: " + response.body());
            adminToken = JSON.readTree(response.body()).get("access_token").asText();
            adminTokenAt = System.nanoTime();
        }
        return adminToken;
    }

    private HttpResponse<String> postForm(String path, Map<String, String> form) throws IOException, InterruptedException {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Freezes Keycloak's java (SIGSTOP) until the returned handle is closed (SIGCONT): the provider then accepts
     * connections but answers nothing, the harder case of "down" for a client (a refused connection fails at
     * once). Freezing rather than stopping keeps the one Keycloak of the run, whose start costs about 35 s.
     */
    Frozen freeze() throws IOException, InterruptedException {
        List<ProcessHandle> javas = javas();
        signal("-STOP", javas);
        return () -> signal("-CONT", javas);
    }

    /** A frozen Keycloak; closing it lets it run on. */
    interface Frozen extends AutoCloseable {
        @Override
        void close() throws IOException, InterruptedException;
    }

    /** The java of Keycloak: kc.sh's pid from the start script's pid file, or its child (kc.sh runs java in the background, or execs it). */
    private List<ProcessHandle> javas() throws IOException {
        long pid = Long.parseLong(Files.readString(dir.resolve("keycloak.pid")).trim());
        ProcessHandle kc = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no Keycloak process " + pid));
        List<ProcessHandle> javas = Stream.concat(Stream.of(kc), kc.descendants())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .toList();
        if (javas.isEmpty()) {
            throw new AssertionError("no java under Keycloak's process " + pid);
        }
        return javas;
    }

    private static void signal(String signal, List<ProcessHandle> processes) throws IOException, InterruptedException {
        for (ProcessHandle process : processes) {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill " + signal + " " + process.pid() + " failed");
            }
        }
    }
}
