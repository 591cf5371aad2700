package dev.herald.stream;

import dev.herald.auth.Access;
import dev.herald.auth.TopicPattern;
import dev.herald.config.HeraldConfig;
import dev.herald.history.Event;
import dev.herald.history.RetainedEvents;
import dev.herald.history.Topics;
import dev.herald.web.ApiException;
import dev.herald.web.Components;
import dev.herald.web.QueryString;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /api/retained?topic=...}: reading topics' retained events, as a stream without {@code Last-Event-ID} would
 * get them (what a client that adds topics while resuming needs), and clearing one topic's.
 */
@Path("retained")
public class RetainedResource {

    /** Says that more retained events matched than {@code herald.limits.retained-per-stream} let through. */
    static final String TRUNCATED = "Herald-Retained-Truncated";

    @Context
    private ServletContext context;

    /**
     * {@code topic} is repeatable: names, {@code prefix/*} or {@code *}. A named private topic needs the same grant
     * as subscribing to it (401 or 403 otherwise); a pattern gives only the topics the caller could subscribe to by
     * name, never a {@code $} topic.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response read(@Context HttpServletRequest request) {
        QueryString.requireWellFormed(request);
        String[] values = request.getParameterValues("topic");
        int maxTopics = Components.get(context, HeraldConfig.class).topicsPerConnection();
        Set<String> names = new LinkedHashSet<>();
        Set<String> patterns = new LinkedHashSet<>();
        for (String value : values == null ? new String[0] : values) {
            if (TopicPattern.isWildcard(value)) {
                patterns.add(value);
            } else if (Topics.isValidName(value)) {
                names.add(value);
            } else {
                throw ApiException.badRequest("invalid_topic", "a topic is 1-" + Topics.MAX_LENGTH
                        + " characters from A-Z a-z 0-9 . _ : / -, or a pattern prefix/* or *; no $ topic has a "
                        + "retained event");
            }
        }
        if (names.isEmpty() && patterns.isEmpty()) {
            throw ApiException.badRequest("invalid_topic", "name at least one topic: ?topic=orders, ?topic=orders/*");
        }
        if (names.size() + patterns.size() > maxTopics) {
            throw ApiException.badRequest("too_many_topics", "at most " + maxTopics + " topics per request");
        }
        Access.Listener listener = Components.get(context, Access.class).listener(request);
        names.forEach(listener::check);
        // a pattern gives the topics the caller could subscribe to by name, never a $ topic
        RetainedEvents.Wanted wanted = RetainedEvents.Wanted.of(names, patterns,
                topic -> !Topics.isReserved(topic) && listener.mayListen(topic));
        RetainedEvents.Selection selection = Components.get(context, Hub.class).retained(wanted);
        Response.ResponseBuilder answer = Response.ok(json(selection.events()));
        return selection.truncated() ? answer.header(TRUNCATED, "true").build() : answer.build();
    }

    /** Clears a topic's retained event: the same grant as publishing to it. 204, or 404 when it had none. */
    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    public Response clear(@Context HttpServletRequest request) {
        QueryString.requireWellFormed(request);
        String[] values = request.getParameterValues("topic");
        if (values == null || values.length != 1) {
            throw ApiException.badRequest("invalid_topic", "name exactly one topic: ?topic=orders");
        }
        String topic = values[0];
        Access.Publisher publisher = Components.get(context, Access.class).publisher(request);
        if (Topics.isReserved(topic)) {
            throw new ApiException(403, "reserved_topic", "topics starting with '$' are Herald's own");
        }
        if (!Topics.isValidName(topic)) {
            throw ApiException.badRequest("invalid_topic",
                    "a topic is 1-" + Topics.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ : / - (no pattern)");
        }
        publisher.check(topic);
        if (!Components.get(context, Hub.class).clearRetained(topic)) {
            throw new ApiException(404, "no_retained_event", "the topic '" + topic + "' has no retained event");
        }
        return Response.noContent().build();
    }

    /** {@code [{"id","topic","type","data"}]}: names and ids need no escaping, data is compact JSON already. */
    private static String json(List<Event> events) {
        StringBuilder json = new StringBuilder("[");
        for (Event event : events) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append("{\"id\":\"").append(event.id()).append("\",\"topic\":\"").append(event.topic())
                    .append("\",\"type\":\"").append(event.type()).append("\",\"data\":").append(event.data())
                    .append('}');
        }
        return json.append(']').toString();
    }
}
