package dev.herald.history;

import java.util.Set;
import java.util.regex.Pattern;

/** Topic and event-type names: what may appear in them, and which ones are Herald's own. */
public final class Topics {

    /** The reserved topic whose subscribers get {@code join} and {@code leave}. */
    public static final String PRESENCE = "$presence";
    /** Reserved topics: Herald's own, never published to. */
    public static final Set<String> RESERVED = Set.of(PRESENCE);
    /** Event types Herald sends itself, refused from publishers. */
    public static final Set<String> RESERVED_TYPES = Set.of("welcome", "ready", "reset", "join", "leave");
    public static final String DEFAULT_TYPE = "message";
    public static final int MAX_LENGTH = 128;

    // no CR, LF, colon-space or anything else that could end an SSE field or a log line
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:/-]{1," + MAX_LENGTH + "}");

    private Topics() {
    }

    /** A name a publisher may use as a topic or a type. */
    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    /** A topic starting with {@code $} is Herald's, whether it exists or not. */
    public static boolean isReserved(String topic) {
        return topic.startsWith("$");
    }
}
