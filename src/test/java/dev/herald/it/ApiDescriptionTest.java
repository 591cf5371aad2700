package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.herald.app.HeraldApplication;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The description is a valid OpenAPI 3.1 document, describes every resource method, and its check bites. */
class ApiDescriptionTest {

    /** The OpenAPI Initiative's schema of 3.1 documents, as published (its Schema Objects are checked below). */
    private static final String OAS_SCHEMA = "https://spec.openapis.org/oas/3.1/schema/2022-10-07";
    private static final URI BASE = URI.create("http://127.0.0.1:18080/herald/");
    private static final Map<String, List<String>> JSON = Map.of("Content-Type", List.of("application/json"));

    private final ApiDescription description = ApiDescription.get();

    @Test
    void isAValidOpenApi31Document() throws IOException {
        String schema = Files.readString(java.nio.file.Path.of("src/test/resources/openapi/oas-3.1-schema-2022-10-07.json"));
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemas(Map.of(OAS_SCHEMA, schema)));

        List<Error> errors = registry.getSchema(SchemaLocation.of(OAS_SCHEMA)).validate(description.root());

        assertEquals(List.of(), errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList());
        assertEquals("3.1.0", description.root().path("openapi").asText());
    }

    @Test
    void everyRefResolvesAndEverySchemaCompiles() {
        List<String> broken = new ArrayList<>();
        walk(description.root(), "", broken);
        assertEquals(List.of(), broken);
    }

    private void walk(JsonNode node, String at, List<String> broken) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && (!ref.asText().startsWith("#/") || description.root().at(ref.asText().substring(1)).isMissingNode())) {
                broken.add(at + ": " + ref.asText());
            }
            if (node.has("schema") && at.contains("/paths/")) {
                try {
                    description.validate(at + "/schema", com.fasterxml.jackson.databind.node.NullNode.instance);
                } catch (RuntimeException e) {
                    broken.add(at + "/schema: " + e);
                }
            }
            node.fields().forEachRemaining(field -> walk(field.getValue(), at + "/" + ApiDescription.escape(field.getKey()), broken));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), at + "/" + i, broken);
            }
        }
    }

    /** Reflection over the resources the application deploys: none can be added without being described. */
    @Test
    void everyResourceMethodHasAnOperationAndEveryOperationAResource() {
        TreeSet<String> served = new TreeSet<>();
        for (Class<?> type : new HeraldApplication().getClasses()) {
            Path path = type.getAnnotation(Path.class);
            if (path == null) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                String verb = method.isAnnotationPresent(GET.class) ? "GET" : method.isAnnotationPresent(POST.class) ? "POST"
                        : method.isAnnotationPresent(DELETE.class) ? "DELETE" : method.isAnnotationPresent(PUT.class) ? "PUT" : null;
                if (verb == null) {
                    continue;
                }
                Path sub = method.getAnnotation(Path.class);
                served.add(verb + " /api/" + strip(path.value()) + (sub == null ? "" : "/" + strip(sub.value())));
            }
        }
        TreeSet<String> described = new TreeSet<>(description.operations());
        // the preflights are the CORS filter's, the description itself a static file: no resource serves them
        described.removeIf(operation -> operation.startsWith("OPTIONS ") || operation.equals("GET /openapi.json"));

        assertEquals(served, described);
    }

    private static String strip(String path) {
        return path.replaceAll("^/+|/+$", "");
    }

    @Test
    void aDescribedAnswerPasses() {
        description.check("POST", BASE.resolve("api/events"), 202, JSON, "{\"id\":\"k3f9a0zq-42\"}");
        description.check("POST", BASE.resolve("api/events"), 400, JSON,
                "{\"error\":\"invalid_retry\",\"detail\":\"events[1]: 'retry' must be...\"}");
        description.check("DELETE", BASE.resolve("api/clients/V1StGXR8_Z"), 404, JSON,
                "{\"error\":\"unknown_client\",\"detail\":\"no node holds the client V1StGXR8_Z\"}");
        description.check("GET", BASE.resolve("api/nothing"), 404, JSON, "{\"error\":\"not_found\",\"detail\":\"Not Found\"}");
        description.check("GET", BASE.resolve("herald.js"), 200, Map.of(), "whatever the page's script is");
        // the container's own refusal of what it cannot parse, which Herald never sees
        description.check("GET", BASE.resolve("api/events"), 400, Map.of("Content-Type", List.of("text/html")), "<html/>");
    }

    @Test
    void anUndescribedStatusCodeBodyOrMissingHeaderFails() {
        assertThrows(AssertionError.class, () -> description.check("POST", BASE.resolve("api/events"), 418, JSON,
                "{\"error\":\"teapot\",\"detail\":\"\"}"));
        AssertionError code = assertThrows(AssertionError.class, () -> description.check("POST",
                BASE.resolve("api/events"), 400, JSON, "{\"error\":\"made_up\",\"detail\":\"x\"}"));
        assertTrue(code.getMessage().contains("publish"), code.getMessage());
        assertThrows(AssertionError.class, () -> description.check("POST", BASE.resolve("api/events"), 202, JSON,
                "{\"id\":\"k3f9a0zq-42\",\"extra\":1}"));
        assertThrows(AssertionError.class, () -> description.check("POST", BASE.resolve("api/events"), 429, JSON,
                "{\"error\":\"rate_limited\",\"detail\":\"x\"}"));
        assertThrows(AssertionError.class, () -> description.check("GET", BASE.resolve("api/info"), 200,
                Map.of("Content-Type", List.of("text/html")), "<html/>"));
        assertThrows(AssertionError.class, () -> description.check("DELETE", BASE.resolve("api/clients/V1StGXR8_Z"),
                404, JSON, "{\"error\":\"made_up\",\"detail\":\"x\"}"));
        assertThrows(AssertionError.class, () -> description.check("GET", BASE.resolve("api/nothing"), 404, JSON,
                "{\"error\":\"unknown_client\",\"detail\":\"x\"}"));
        assertThrows(AssertionError.class, () -> description.check("GET", BASE.resolve("api/events?topic=a"), 200,
                Map.of("Content-Type", List.of("text/event-stream")), null));
    }

    @Test
    void eventsAreHeldToTheirTypesSchema() {
        URI stream = BASE.resolve("api/events?topic=a&envelope=true");
        description.checkEvent(stream, new SseEvent(null, "welcome", "{\"clientId\":\"V1StGXR8_Z\",\"topics\":[\"a\"]}", 3000));
        description.checkEvent(stream, new SseEvent("k3f9a0zq-4", "ready", "{\"replayed\":0,\"retained\":0}", null));
        description.checkEvent(stream, new SseEvent("k3f9a0zq-5", null, "{\"topic\":\"a\",\"data\":[1,2]}", null));
        description.checkEvent(BASE.resolve("api/events?topic=a"), new SseEvent("k3f9a0zq-5", "shipped", "\"x\"", null));

        assertThrows(AssertionError.class, () -> description.checkEvent(stream,
                new SseEvent("k3f9a0zq-5", null, "[1,2]", null)));
        assertThrows(AssertionError.class, () -> description.checkEvent(stream,
                new SseEvent("k3f9a0zq-4", "welcome", "{\"clientId\":\"V1StGXR8_Z\",\"topics\":[]}", 3000)));
        assertThrows(AssertionError.class, () -> description.checkEvent(stream,
                new SseEvent(null, "ready", "{\"replayed\":0,\"retained\":0}", null)));
    }
}
