package dev.herald.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Herald's OpenAPI description ({@code src/main/webapp/openapi.json}, served at {@code /herald/openapi.json}), and
 * the check that holds every response a test receives to it: the operation is found by method and path template,
 * its status must be described, with the headers it marks required, the content type it lists and a body its schema
 * allows; each event of a stream must have the data its type's schema in {@code x-herald-events} allows. A response
 * the description does not allow fails the test with an {@link AssertionError} naming the operation.
 *
 * <p>Only Herald's answers are checked: a server of the tests (Keycloak, the hook's application, a JWKS server) is
 * not Herald, and the answers a container gives before Herald sees the request are exempt ({@link #containerAnswer}).
 */
final class ApiDescription {

    static final Path FILE = Path.of("src/main/webapp/openapi.json");
    /** The URI the description is known by to the validator, so that its {@code $ref}s resolve inside it. */
    private static final String DOCUMENT = "https://herald.test/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ApiDescription INSTANCE = load(FILE);
    /**
     * The validator warns once per keyword it does not know when it reads the description as the root of the schemas
     * it points into ({@code openapi}, {@code paths}...): none of them is in a schema. Held, so the setting stays.
     */
    private static final java.util.logging.Logger UNKNOWN_KEYWORDS = quiet("com.networknt.schema.keyword.UnknownKeywordFactory");

    private final JsonNode root;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private ApiDescription(JsonNode root, String text) {
        this.root = root;
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
                builder -> builder.schemas(Map.of(DOCUMENT, text)));
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    /** The description in the source tree, read once. */
    static ApiDescription get() {
        return INSTANCE;
    }

    static ApiDescription load(Path file) {
        try {
            String text = Files.readString(file);
            return new ApiDescription(JSON.readTree(text), text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }

    JsonNode root() {
        return root;
    }

    /**
     * Exempt answers, each with why: the container refuses a request it cannot parse as HTTP before any filter of
     * the WAR runs, with its own status and its own page (HTML on Tomcat, none on Grizzly), or drops the connection;
     * no WAR runs at the path; or a reverse proxy answers for a node that does not. Recognised by a status of that
     * kind together with a body that is not Herald's JSON (Herald's own answers with these statuses are JSON, and
     * are checked). The description lists the same cases under {@code x-herald-container-answers}.
     */
    static final Map<Integer, String> CONTAINER_STATUSES = Map.of(
            400, "a request line, header or percent-encoding the container's HTTP parser refuses; a header line or "
                    + "section over the connector's limit (Tomcat maxHttpHeaderSize, 8 KiB)",
            404, "no WAR at this context path: not deployed yet, or its deployment failed (InvalidSetting*IT)",
            413, "a Content-Length over what the container accepts",
            414, "a request target over the connector's limit",
            431, "a header line or section over the connector's limit (Tomcat maxHttpHeaderSize)",
            502, "a reverse proxy's own answer when no node answers (nginx in ClusterIT)",
            503, "a context the container is stopping or starting, before or after Herald runs in it; a reverse "
                    + "proxy's own answer when no node is there",
            504, "a reverse proxy's own answer when a node did not answer in time",
            505, "an HTTP version the connector does not speak");

    /** Whether this answer is the container's or a proxy's own, made for a request Herald never saw. */
    static boolean containerAnswer(int status, String contentType) {
        return CONTAINER_STATUSES.containsKey(status)
                && (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json"));
    }

    /** Checks a response of the JDK's client whose body was read as text, or not at all (null), and returns it. */
    static <T> HttpResponse<T> checked(HttpResponse<T> response) {
        Object body = response.body();
        get().check(response.request().method(), response.request().uri(), response.statusCode(),
                response.headers().map(), body instanceof String text ? text : null);
        return response;
    }

    /**
     * Checks a response of the JDK's client whose body is a stream: a refusal's is read and checked, a stream's (200)
     * is closed unread. Returns the status.
     */
    static int checkedStatus(HttpResponse<java.io.InputStream> response) throws IOException {
        String body = null;
        try (java.io.InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        get().check(response.request().method(), response.request().uri(), response.statusCode(),
                response.headers().map(), body);
        return response.statusCode();
    }

    /**
     * Checks one answer; {@code body} null when it was not read (a stream's events are checked one by one, by
     * {@link #checkEvent}).
     */
    void check(String method, URI uri, int status, Map<String, List<String>> headers, String body) {
        Map<String, List<String>> named = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        named.putAll(headers);
        String path = apiPath(uri);
        if (path == null || containerAnswer(status, first(named, "Content-Type"))) {
            return;
        }
        String verb = method.toLowerCase(Locale.ROOT);
        Operation operation = operation(verb, path);
        String name = operation.name(method, path);
        JsonNode declared = operation.responses.get(Integer.toString(status));
        String responsePointer = operation.pointer + "/responses/" + status;
        if (declared == null) {
            declared = operation.responses.get("default");
            responsePointer = operation.pointer + "/responses/default";
        }
        List<String> problems = new ArrayList<>();
        if (declared == null) {
            problems.add("the status " + status + " is not described (described: " + fieldNames(operation.responses) + ")");
            fail(name, status, problems, body);
        }
        if (declared.has("$ref")) {
            responsePointer = refPointer(declared);
        }
        JsonNode response = declared;
        response = resolve(response);
        checkHeaders(response.path("headers"), named, problems);
        String contentType = first(named, "Content-Type");
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (body != null && !body.isEmpty()) {
                problems.add("a body where none is described: " + abbreviated(body));
            }
        } else if (contentType == null) {
            problems.add("no Content-Type; described: " + fieldNames(content));
        } else {
            String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            JsonNode described = content.get(media);
            if (described == null) {
                problems.add("Content-Type " + contentType + " is not described (described: " + fieldNames(content) + ")");
            } else if (body != null && media.equals("application/json")) {
                JsonNode schema = described.path("schema");
                if (!schema.isMissingNode()) {
                    problems.addAll(validate(responsePointer + "/content/application~1json/schema",
                            parse(body, problems)));
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(name, status, problems, body);
        }
    }

    /**
     * Checks one event of a stream opened with {@code streamUri}: its type's id rule and its data's schema, inside the
     * envelope when the stream asked for one and the type is enveloped. A block with only {@code retry:} (sent at
     * shutdown) is no event, as for EventSource.
     */
    void checkEvent(URI streamUri, SseEvent event) {
        if (event.event() == null && event.data() == null && event.id() == null) {
            return;
        }
        JsonNode described = root.path("paths").path("/api/events").path("get").path("x-herald-events");
        JsonNode events = described.path("events");
        String type = events.has(event.type()) ? event.type() : "*";
        String pointer = "/paths/~1api~1events/get/x-herald-events/events/" + escape(type);
        JsonNode spec = events.path(type);
        String name = "GET /api/events event '" + event.type() + "' (x-herald-events " + type + ")";
        List<String> problems = new ArrayList<>();
        if ("present".equals(spec.path("id").asText()) && event.id() == null) {
            problems.add("no id: every " + type + " event has one");
        }
        if ("absent".equals(spec.path("id").asText()) && event.id() != null) {
            problems.add("an id (" + event.id() + "): no " + type + " event has one");
        }
        if (event.id() != null) {
            problems.addAll(validate("/paths/~1api~1events/get/x-herald-events/idSchema", TextNode.valueOf(event.id())));
        }
        if ("present".equals(spec.path("retry").asText()) && event.retry() == null) {
            problems.add("no retry: every " + type + " event has one");
        }
        if (event.data() == null) {
            problems.add("no data");
        } else {
            JsonNode data = parse(event.data(), problems);
            if (data != null && spec.path("enveloped").asBoolean() && enveloped(streamUri)) {
                problems.addAll(validate("/paths/~1api~1events/get/x-herald-events/envelope", data));
                data = data.get("data");
            }
            if (data != null) {
                problems.addAll(validate(pointer + "/data", data));
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(name + " does not match " + FILE + ": " + String.join("; ", problems)
                    + "\nevent: " + event);
        }
    }

    /** Whether a stream asked for envelopes: its {@code envelope} parameter is {@code true}. */
    private static boolean enveloped(URI uri) {
        String query = uri.getRawQuery();
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("envelope=")) {
                return URLDecoder.decode(pair.substring("envelope=".length()), StandardCharsets.UTF_8).equals("true");
            }
        }
        return false;
    }

    /**
     * The path inside the WAR for what the description covers ({@code /api/...} and {@code /openapi.json}), or null
     * for the page's own files, which are no part of the API. Each test WAR has a context path of its own, so the
     * path is found by its first segment after the context path.
     */
    static String apiPath(URI uri) {
        String raw = uri.getRawPath();
        int api = raw.indexOf("/api/");
        if (api >= 0) {
            return raw.substring(api);
        }
        if (raw.endsWith("/api")) {
            return "/api";
        }
        return raw.endsWith("/openapi.json") ? "/openapi.json" : null;
    }

    /** The operation for {@code verb} on {@code path}, or the description's answer to what no operation describes. */
    private Operation operation(String verb, String path) {
        JsonNode paths = root.path("paths");
        String template = null;
        if (paths.has(path)) {
            template = path;
        } else {
            String[] segments = path.split("/", -1);
            for (Iterator<String> names = paths.fieldNames(); names.hasNext() && template == null; ) {
                String candidate = names.next();
                String[] parts = candidate.split("/", -1);
                if (parts.length != segments.length) {
                    continue;
                }
                boolean matches = true;
                for (int i = 0; i < parts.length && matches; i++) {
                    boolean variable = parts[i].startsWith("{") && parts[i].endsWith("}");
                    matches = variable ? !segments[i].isEmpty() : parts[i].equals(segments[i]);
                }
                if (matches) {
                    template = candidate;
                }
            }
        }
        if (template != null) {
            JsonNode item = paths.get(template);
            String described = verb.equals("head") && !item.has("head") ? "get" : verb;
            if (item.has(described)) {
                JsonNode operation = item.get(described);
                return new Operation(operation.path("operationId").asText(), template, operation.path("responses"),
                        "/paths/" + escape(template) + "/" + described);
            }
        }
        return new Operation(null, template, root.path("x-herald-undescribed").path("responses"),
                "/x-herald-undescribed");
    }

    private record Operation(String id, String template, JsonNode responses, String pointer) {
        String name(String method, String path) {
            return method + " " + path + (id == null ? " (no operation: x-herald-undescribed)" : " (" + id + ")");
        }
    }

    private void checkHeaders(JsonNode described, Map<String, List<String>> headers, List<String> problems) {
        for (Iterator<Map.Entry<String, JsonNode>> it = described.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> header = it.next();
            JsonNode spec = resolve(header.getValue());
            String value = first(headers, header.getKey());
            if (value == null) {
                if (spec.path("required").asBoolean()) {
                    problems.add("no " + header.getKey() + " header, which is required");
                }
                continue;
            }
            JsonNode schema = spec.path("schema");
            if (!schema.isMissingNode()) {
                String pointer = header.getValue().has("$ref")
                        ? refPointer(header.getValue()) + "/schema" : null;
                if (pointer != null) {
                    validate(pointer, TextNode.valueOf(value))
                            .forEach(message -> problems.add(header.getKey() + ": " + message));
                }
            }
        }
    }

    /** Messages for what {@code instance} breaks of the schema at {@code pointer} in the description; none when valid. */
    List<String> validate(String pointer, JsonNode instance) {
        if (instance == null) {
            return List.of();
        }
        Schema schema = schemas.computeIfAbsent(pointer,
                at -> registry.getSchema(SchemaLocation.of(DOCUMENT + "#" + at)));
        List<String> messages = new ArrayList<>();
        for (Error error : schema.validate(instance)) {
            messages.add(error.getInstanceLocation() + ": " + error.getMessage());
        }
        return messages;
    }

    /** A {@code $ref}'d object (response, header, parameter) as it is in the components. */
    JsonNode resolve(JsonNode node) {
        JsonNode at = node;
        for (int depth = 0; at.has("$ref") && depth < 8; depth++) {
            at = root.at(refPointer(at));
            if (at.isMissingNode()) {
                throw new AssertionError("unresolved $ref " + node.get("$ref") + " in " + FILE);
            }
        }
        return at;
    }

    private static String refPointer(JsonNode node) {
        String ref = node.path("$ref").asText();
        if (!ref.startsWith("#")) {
            throw new AssertionError("only local $refs are used: " + ref);
        }
        return ref.substring(1);
    }

    private static JsonNode parse(String body, List<String> problems) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            problems.add("not JSON: " + e.getOriginalMessage() + ": " + abbreviated(body));
            return null;
        }
    }

    /** A JSON pointer token: {@code ~} and {@code /} escaped, then what a URI fragment cannot hold. */
    static String escape(String token) {
        String pointer = token.replace("~", "~0").replace("/", "~1");
        StringBuilder escaped = new StringBuilder();
        for (char c : pointer.toCharArray()) {
            if (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@".indexOf(c) >= 0) {
                escaped.append(c);
            } else {
                escaped.append('%').append(String.format("%02X", (int) c));
            }
        }
        return escaped.toString();
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        if (values == null) {
            Optional<Map.Entry<String, List<String>>> match = headers.entrySet().stream()
                    .filter(entry -> entry.getKey() != null && entry.getKey().equalsIgnoreCase(name)).findFirst();
            values = match.map(Map.Entry::getValue).orElse(null);
        }
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String abbreviated(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    private static void fail(String name, int status, List<String> problems, String body) {
        throw new AssertionError(name + " answered " + status + ", which " + FILE + " does not allow: "
                + String.join("; ", problems) + (body == null ? "" : "\nbody: " + abbreviated(body)));
    }

    /** For tests of the description itself: every operation as "METHOD /path". */
    List<String> operations() {
        List<String> operations = new ArrayList<>();
        root.path("paths").fields().forEachRemaining(item -> item.getValue().fieldNames().forEachRemaining(verb -> {
            if (List.of("get", "put", "post", "delete", "options", "head", "patch", "trace").contains(verb)) {
                operations.add(verb.toUpperCase(Locale.ROOT) + " " + item.getKey());
            }
        }));
        return operations;
    }
}
