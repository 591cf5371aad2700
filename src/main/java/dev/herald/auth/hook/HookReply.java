package dev.herald.auth.hook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.auth.Grants;
import dev.herald.auth.TopicPattern;
import dev.herald.history.Topics;
import dev.herald.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the hook's HTTP answer: {@code 200} with {@code {"sub", "subscribe", "expiresIn"}}, every field required and
 * of its type; {@code 401} and {@code 403} as they are; anything else grants nothing.
 */
final class HookReply {

    /** A day: a session the application vouches for longer than that must be asked again anyway. */
    static final int MAX_EXPIRES_IN = 86_400;
    /** Each pattern is checked for every private event a wildcard stream may get; a user's grants are a handful. */
    static final int MAX_PATTERNS = 256;

    private HookReply() {
    }

    static HookAnswer read(int status, byte[] body, Instant now) {
        return switch (status) {
            case 200 -> granted(body, now);
            case 401 -> HookAnswer.of(HookAnswer.Kind.UNAUTHORIZED, "the application does not know this session");
            case 403 -> HookAnswer.of(HookAnswer.Kind.FORBIDDEN, "the application refuses this session these topics");
            default -> HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, "it answered " + status);
        };
    }

    private static HookAnswer granted(byte[] body, Instant now) {
        JsonNode json;
        try {
            json = Json.parse(body);
        } catch (IOException e) {
            return garbage("its 200 is not JSON");
        }
        if (json == null || !json.isObject()) {
            return garbage("its 200 is not a JSON object");
        }
        JsonNode sub = json.get("sub");
        if (sub == null || !sub.isTextual() || !Topics.isValidName(sub.textValue())) {
            return garbage("'sub' must be 1-" + Topics.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ : / -");
        }
        JsonNode expiresIn = json.get("expiresIn");
        if (expiresIn == null || !expiresIn.isIntegralNumber() || !expiresIn.canConvertToInt()
                || expiresIn.intValue() < 1 || expiresIn.intValue() > MAX_EXPIRES_IN) {
            return garbage("'expiresIn' must be a whole number of seconds from 1 to " + MAX_EXPIRES_IN);
        }
        JsonNode subscribe = json.get("subscribe");
        if (subscribe == null || !subscribe.isArray() || subscribe.size() > MAX_PATTERNS) {
            return garbage("'subscribe' must be a list of at most " + MAX_PATTERNS + " topic patterns");
        }
        List<TopicPattern> patterns = new ArrayList<>(subscribe.size());
        for (JsonNode pattern : subscribe) {
            if (!pattern.isTextual() || !isPattern(pattern.textValue())) {
                return garbage("'subscribe' holds " + (pattern.isTextual() ? "'" + pattern.textValue() + "'"
                        : "a " + pattern.getNodeType()) + ", which is not a topic, prefix/*, * or $presence");
            }
            patterns.add(new TopicPattern(pattern.textValue()));
        }
        return HookAnswer.granted(new Grants(List.of(), patterns, sub.textValue(),
                now.plusSeconds(expiresIn.intValue())));
    }

    private static boolean isPattern(String text) {
        return Topics.RESERVED.contains(text) || Topics.isValidName(text) || TopicPattern.isWildcard(text);
    }

    private static HookAnswer garbage(String reason) {
        return HookAnswer.of(HookAnswer.Kind.UNAVAILABLE, reason);
    }
}
