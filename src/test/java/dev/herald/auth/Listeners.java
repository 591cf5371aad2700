package dev.herald.auth;

import java.time.Instant;
import java.util.List;

/** Subscribers as {@link Access#listener} makes them, for tests of other packages that have no request to read. */
public final class Listeners {

    private Listeners() {
    }

    /** {@code herald.open=true}: may listen to everything. */
    public static Access.Listener anyone() {
        return new Access.Listener(Caller.ANYONE, new ListenPolicy(List.of()));
    }

    /** No token, on a server whose private topics are {@code privateTopics}. */
    public static Access.Listener nobody(List<String> privateTopics) {
        return new Access.Listener(Caller.NOBODY, policy(privateTopics));
    }

    /** A token of {@code subject} (may be null) granting {@code subscribe}, on a server with {@code privateTopics}. */
    public static Access.Listener token(String subject, List<String> subscribe, List<String> privateTopics) {
        return token(subject, subscribe, privateTopics, Instant.now().plusSeconds(3600));
    }

    /** As {@link #token(String, List, List)}, expiring at {@code expiresAt}. */
    public static Access.Listener token(String subject, List<String> subscribe, List<String> privateTopics,
            Instant expiresAt) {
        Grants grants = new Grants(List.of(), subscribe.stream().map(TopicPattern::new).toList(), subject, expiresAt);
        return new Access.Listener(Caller.token(grants), policy(privateTopics));
    }

    private static ListenPolicy policy(List<String> privateTopics) {
        return new ListenPolicy(privateTopics.stream().map(TopicPattern::new).toList());
    }
}
