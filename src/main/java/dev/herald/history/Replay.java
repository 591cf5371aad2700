package dev.herald.history;

import java.util.List;

/**
 * What a reconnecting client gets before live events: the held events it missed, or a reset when its
 * position cannot be honoured. {@code newest} is the id its stream is positioned at afterwards.
 */
public record Replay(List<Event> events, ResetReason reset, EventId newest) {

    /** Why a Last-Event-ID could not be honoured; the code is part of the protocol. */
    public enum ResetReason {
        /** Not an id this server ever assigned. */
        UNKNOWN_ID("unknown-id"),
        /** Assigned by an earlier run of the server, whose history is gone. */
        OTHER_RUN("other-run"),
        /** Older than the oldest event still held. */
        TOO_OLD("too-old");

        private final String code;

        ResetReason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    public boolean isReset() {
        return reset != null;
    }
}
