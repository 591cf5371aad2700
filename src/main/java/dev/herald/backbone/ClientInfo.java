package dev.herald.backbone;

import java.util.List;

/** A connected client as {@code GET /api/clients} lists it. */
public record ClientInfo(String clientId, List<String> topics, String connectedAt) {
}
