package dev.herald.stream;

import dev.herald.auth.Access;
import dev.herald.auth.TopicPattern;
import dev.herald.history.RetainedEvents;
import dev.herald.history.Topics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A stream's topic entries as one rule: the topics it names, and its wildcards ({@code orders/*}, {@code *}),
 * which cover only the topics its subscriber could subscribe to by name ({@link Access.Listener#mayListen}) and
 * never a {@code $} topic. {@link #delivers} is that rule: live events, the catch-up and whatever else a stream is
 * sent by topic all follow it. Its names were checked when the stream was accepted (a refusal is a 401 or 403);
 * its wildcards are filtered instead, as a wildcard names no topic to refuse.
 */
final class TopicEntries {

    private final Set<String> names;
    private final List<String> wildcards;
    private final List<TopicPattern> patterns;
    private final Access.Listener listener;

    private TopicEntries(Set<String> names, List<String> wildcards, Access.Listener listener) {
        this.names = names;
        this.wildcards = List.copyOf(wildcards);
        this.patterns = wildcards.stream().map(TopicPattern::new).toList();
        this.listener = listener;
    }

    /** The entries of a validated subscription, for the subscriber {@code listener} stands for. */
    static TopicEntries of(List<String> entries, Access.Listener listener) {
        Set<String> names = new HashSet<>();
        List<String> wildcards = new ArrayList<>();
        for (String entry : entries) {
            if (TopicPattern.isWildcard(entry)) {
                wildcards.add(entry);
            } else {
                names.add(entry);
            }
        }
        return new TopicEntries(names, wildcards, listener);
    }

    /**
     * Whether an event of {@code topic} (null: without a topic, which every stream gets) reaches this stream: an
     * entry names it, or one of its wildcards covers it and its subscriber may listen to it.
     */
    boolean delivers(String topic) {
        return topic == null || names.contains(topic) || covers(topic);
    }

    /** Whether one of its wildcards covers {@code topic}, a {@code $} topic never, and the subscriber may listen. */
    boolean covers(String topic) {
        if (patterns.isEmpty() || Topics.isReserved(topic)) {
            return false;
        }
        for (TopicPattern pattern : patterns) {
            if (pattern.matches(topic)) {
                return listener.mayListen(topic);
            }
        }
        return false;
    }

    /** What the history looks for besides the names: the topics its wildcards cover; null without wildcards. */
    Predicate<String> covered() {
        return patterns.isEmpty() ? null : this::covers;
    }

    /** Whether an entry names {@code topic} exactly: then its event came by name, not through a wildcard. */
    boolean names(String topic) {
        return !names.isEmpty() && names.contains(topic);
    }

    /**
     * The retained events this stream gets: those of its names, and of the topics its wildcards cover
     * ({@link #covers}). Its names were checked against the listen policy when the stream was accepted.
     */
    RetainedEvents.Wanted retained() {
        return RetainedEvents.Wanted.of(names, wildcards, this::covers);
    }

    /** The wildcard entries, as given: {@code orders/*}, {@code *}. */
    List<String> wildcards() {
        return wildcards;
    }

    boolean hasWildcards() {
        return !wildcards.isEmpty();
    }

    /**
     * The subscriber may get {@code topic}, which one of its wildcards covers: asked only when {@code topic} needs a
     * grant ({@link Access.Listener#needsGrant}, the same for every stream, so a router asks that once per event).
     */
    boolean mayListen(String topic) {
        return listener.mayListen(topic);
    }

    /** Whether {@code topic} needs a grant: the same answer for every stream of this deployment. */
    boolean needsGrant(String topic) {
        return listener.needsGrant(topic);
    }
}
