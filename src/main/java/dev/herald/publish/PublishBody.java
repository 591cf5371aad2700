package dev.herald.publish;

import dev.herald.web.ApiException;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads a publish body: JSON in UTF-8, at most a configured number of bytes. */
public final class PublishBody {

    private PublishBody() {
    }

    /** Refuses a JSON body declared in another charset (JSON on the wire is UTF-8, RFC 8259). */
    public static void checkContentType(MediaType type) {
        if (type == null || !MediaType.APPLICATION_JSON_TYPE.isCompatible(type) || type.isWildcardSubtype()) {
            throw new ApiException(415, "unsupported_media_type", "send the event as Content-Type: application/json");
        }
        String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
        if (charset != null && !StandardCharsets.UTF_8.name().equalsIgnoreCase(charset)) {
            throw new ApiException(415, "unsupported_media_type", "JSON must be UTF-8, not " + charset);
        }
    }

    /** The body's bytes; more than {@code maxBytes} is refused without reading the rest. */
    public static byte[] read(InputStream in, long declaredLength, int maxBytes) {
        if (declaredLength > maxBytes) {
            throw tooLarge(maxBytes);
        }
        try {
            byte[] body = in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("unreadable_body", "the body could not be read: " + e.getMessage());
        }
    }

    static ApiException tooLarge(int maxBytes) {
        return new ApiException(413, "body_too_large", "the body is over " + maxBytes + " bytes");
    }
}
