package dev.herald.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Herald's one JSON mapper: strict when reading, compact when writing. Immutable, so shared. */
public final class Json {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // numbers pass through as published: no rounding of decimals, no loss of trailing zeros
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .build();

    private Json() {
    }

    /** Parses UTF-8 JSON text; malformed input (including invalid UTF-8) throws with the parser's reason. */
    public static JsonNode parse(byte[] utf8) throws JsonProcessingException {
        try {
            return MAPPER.readTree(utf8);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A streaming parser over UTF-8 JSON text, as strict as {@link #parse}, for reading a body piece by piece. */
    public static JsonParser stream(byte[] utf8) throws IOException {
        return MAPPER.createParser(utf8);
    }

    /** Parses JSON text Herald wrote itself, where malformed input is a bug. */
    public static JsonNode tree(String json) {
        try {
            return parse(json.getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Compact JSON text of a tree, a map, a list or a string. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + value.getClass(), e);
        }
    }
}
