package dev.herald.stream;

/**
 * The life of one stream, as one value: who may write to its output now, and how far its end has got. Every change
 * is one of the methods below; each answers the state that follows from this one, and a state it does not apply
 * to stays as it is. {@link Subscriber} applies them under its lock and acts on the result after releasing it.
 *
 * <p>Three rules hold whatever the order of events, and the property test {@code StreamStatePropertyTest} drives
 * random interleavings to check them:
 * <ul>
 * <li>Only a drain writes, and only in {@link #WRITING} or {@link #WRITING_RECALLED}: one thread at a time, and
 * never once the request is over.</li>
 * <li>The end is reported once: by the thread whose change first makes {@link #isOver()} true.</li>
 * <li>Herald completes the request at most once, and never after the container ended it: only {@link #finish()}
 * (from an ending state) and {@link #graceExpired()} (from {@link #FAILED}) lead to a completion.</li>
 * </ul>
 */
enum StreamState {

    /** Registered with the hub; the JAX-RS runtime still owns the output. Events queue. */
    ACCEPTED,
    /** The output is not ready; the container calls {@code onWritePossible} once it is. Events queue. */
    BLOCKED,
    /** Nothing to write; the next queued event starts a drain. */
    IDLE,
    /** One drain owns the output: running, or handed to a delivery thread. */
    WRITING,
    /** As {@link #WRITING}, and the container said the output is writable again while it ran: it goes on. */
    WRITING_RECALLED,
    /** Must end and nobody writes: whoever made it so finishes it, on a thread that holds no hub lock. */
    ENDING,
    /** Must end: the running drain finishes it when it next looks. */
    ENDING_WRITING,
    /** The container ended the request while a drain ran: the drain stops, and the container's thread waits for it. */
    GONE_WRITING,
    /** A write failed: the container ends the request, or Herald completes it after a grace period. */
    FAILED,
    /** Over: Herald completed the request, or the container ended it. Nothing more happens. */
    ENDED;

    /** Still carrying events: not ending and not over. */
    boolean isOpen() {
        return this == ACCEPTED || this == BLOCKED || this == IDLE || this == WRITING || this == WRITING_RECALLED;
    }

    /** A drain owns the output (running, or handed to a thread that will run it). */
    boolean isWriting() {
        return this == WRITING || this == WRITING_RECALLED || this == ENDING_WRITING || this == GONE_WRITING;
    }

    /** The end has been reported: nothing will be written any more. */
    boolean isOver() {
        return this == GONE_WRITING || this == FAILED || this == ENDED;
    }

    /** The runtime is done with the request and hands the output over; the container calls back when ready. */
    StreamState start() {
        return this == ACCEPTED ? BLOCKED : this;
    }

    /** Something was queued: from {@link #IDLE} the caller starts a drain. */
    StreamState queued() {
        return this == IDLE ? WRITING : this;
    }

    /** The container calls {@code onWritePossible}: from {@link #BLOCKED} the caller drains, on its own thread. */
    StreamState writable() {
        return switch (this) {
            case BLOCKED -> WRITING;
            case WRITING -> WRITING_RECALLED;
            default -> this;
        };
    }

    /** The drain found the output not ready: it stops until called back, unless that already happened. */
    StreamState notReady() {
        return switch (this) {
            case WRITING -> BLOCKED;
            case WRITING_RECALLED -> WRITING;
            default -> this;
        };
    }

    /** The drain found nothing more to write. */
    StreamState drained() {
        return this == WRITING || this == WRITING_RECALLED ? IDLE : this;
    }

    /** The stream must end: a kick, an expiry, a full queue, a shutdown, the client's own error. */
    StreamState end() {
        return switch (this) {
            case ACCEPTED, BLOCKED, IDLE -> ENDING;
            case WRITING, WRITING_RECALLED -> ENDING_WRITING;
            default -> this;
        };
    }

    /** Whoever holds an ending state completes the request. */
    StreamState finish() {
        return this == ENDING || this == ENDING_WRITING ? ENDED : this;
    }

    /** The container ended the request: the client went away, a timeout, an undeploy. */
    StreamState containerEnded() {
        return switch (this) {
            case ACCEPTED, BLOCKED, IDLE, ENDING, FAILED -> ENDED;
            case WRITING, WRITING_RECALLED, ENDING_WRITING -> GONE_WRITING;
            default -> this;
        };
    }

    /** The drain's write or flush failed: the client is gone, and the container will notice too. */
    StreamState writeFailed() {
        return switch (this) {
            case WRITING, WRITING_RECALLED, ENDING_WRITING -> FAILED;
            case GONE_WRITING -> ENDED;
            default -> this;
        };
    }

    /** The drain stopped after the container ended the request. */
    StreamState stopped() {
        return this == GONE_WRITING ? ENDED : this;
    }

    /** The container did not end a failed request within the grace period: Herald completes it. */
    StreamState graceExpired() {
        return this == FAILED ? ENDED : this;
    }
}
