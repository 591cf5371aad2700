package dev.herald.backbone;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A connected client as {@code GET /api/clients} lists it, and as other nodes learn of it.
 *
 * @param sub the subject ({@code sub}) of the token that authorised its stream, or null: an anonymous stream, or a
 *        container user's, has none, and the field is left out of the JSON rather than written as null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientInfo(String clientId, List<String> topics, String connectedAt, String sub) {

    /** A client without a subject. */
    public ClientInfo(String clientId, List<String> topics, String connectedAt) {
        this(clientId, topics, connectedAt, null);
    }
}
