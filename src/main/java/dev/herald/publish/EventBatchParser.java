package dev.herald.publish;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.herald.history.EventDraft;
import dev.herald.json.Json;
import dev.herald.web.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a batch, a JSON array of events, into {@link EventDraft}s. Each element is cut out of the body as it was
 * sent and read by {@link EventDraftParser} exactly as the body of a single event is, so whatever a single event
 * may carry, an element may too. A refusal names the element at fault ({@code events[3]: ...}); the first fault
 * in the array's order is the one reported.
 */
public final class EventBatchParser {

    private EventBatchParser() {
    }

    /** Whether the body is an array, a batch, rather than one event: its first character after JSON whitespace. */
    public static boolean isBatch(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return b == '[';
            }
        }
        return false;
    }

    /** The label of the element at {@code index}, which starts the detail of every refusal about it. */
    public static String at(int index) {
        return "events[" + index + "]: ";
    }

    /**
     * Parses a UTF-8 JSON array of 1 to {@code maxEvents} events, each of at most {@code eventMaxBytes} bytes, all
     * valid; anything else is refused whole.
     */
    public static List<EventDraft> parse(byte[] body, int maxEvents, int eventMaxBytes) {
        List<EventDraft> drafts = new ArrayList<>();
        boolean closed = false;
        try (JsonParser parser = Json.stream(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("not a batch: check isBatch first");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                int index = drafts.size();
                if (token == null) {
                    throw ApiException.badRequest("malformed_json", at(index) + "the array is not closed");
                }
                if (index == maxEvents) {
                    throw ApiException.badRequest("too_many_events", at(index) + "a batch holds at most " + maxEvents
                            + " events (herald.publish.batch-max)");
                }
                if (token != JsonToken.START_OBJECT) {
                    throw ApiException.badRequest("invalid_body", at(index) + "each event must be a JSON object, not "
                            + kind(token));
                }
                drafts.add(element(parser, body, index, eventMaxBytes));
            }
            closed = true;
            if (parser.nextToken() != null) {
                throw ApiException.badRequest("malformed_json", "the body is not valid UTF-8 JSON: content after the"
                        + " array");
            }
        } catch (JsonProcessingException e) {
            // within the array, the fault is the next element's
            throw ApiException.badRequest("malformed_json", (closed ? "" : at(drafts.size()))
                    + "the body is not valid UTF-8 JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading a byte array cannot fail", e);
        }
        if (drafts.isEmpty()) {
            throw ApiException.badRequest("invalid_body", "the array holds no event: send 1 to " + maxEvents);
        }
        return drafts;
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> "null";
        };
    }

    /** The object the parser is at, as a single event's body, parsed as one; the parser is left at its end. */
    private static EventDraft element(JsonParser parser, byte[] body, int index, int eventMaxBytes) throws IOException {
        int start = Math.toIntExact(parser.currentTokenLocation().getByteOffset());
        parser.skipChildren();
        int end = Math.toIntExact(parser.currentTokenLocation().getByteOffset()) + 1;
        if (end - start > eventMaxBytes) {
            throw new ApiException(413, "body_too_large", at(index) + "the event is over " + eventMaxBytes
                    + " bytes (herald.event.max-bytes)");
        }
        try {
            return EventDraftParser.parse(Arrays.copyOfRange(body, start, end));
        } catch (ApiException e) {
            throw e.prefixed(at(index));
        }
    }
}
