package dev.herald.stream;

import dev.herald.backbone.ClientInfo;
import java.time.Instant;
import java.util.List;

/**
 * Who a stream belongs to and what it asked for, fixed when the hub accepts it.
 *
 * @param address the client address the connection limits counted
 * @param expiresAt when its authorisation (a token, or the hook's {@code expiresIn}) expires, or null when it has none
 * @param endsAt when it ends to rebalance nodes: {@code herald.stream.max-lifetime}, less up to a tenth
 * @param subject the {@code sub} of the token that authorised it, or null (anonymous, a container user, herald.open)
 */
record Client(String clientId, List<String> topics, boolean envelope, String address, Instant connectedAt,
        Instant expiresAt, Instant endsAt, String subject) {

    Client {
        topics = List.copyOf(topics);
    }

    /** As {@code GET /api/clients} lists it, and as presence and other nodes see it. */
    ClientInfo info() {
        return new ClientInfo(clientId, topics, connectedAt.toString(), subject);
    }
}
