package dev.herald.history;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Redis stream entry id, {@code <milliseconds>-<sequence>}: the id of an event published through Redis, the same
 * on every node. {@code 0-0} is the position before the first entry.
 */
public record StreamId(long millis, long sequence) implements EventId {

    /** The ids Redis assigns; anything else, such as an in-memory id, cannot be placed in a stream. */
    public static final IdScheme SCHEME = new IdScheme() {
        @Override
        public EventId origin() {
            return ORIGIN;
        }

        @Override
        public Parsed parse(String text) {
            return StreamId.parse(text).map(Parsed::of).orElse(Parsed.reset(Replay.ResetReason.UNKNOWN_ID));
        }
    };
    public static final StreamId ORIGIN = new StreamId(0, 0);

    // both parts are unsigned 64-bit in Redis; Herald keeps to what a long holds, which covers every real id and
    // every id it makes itself ({@link #previous()} of a first sequence number ends in the greatest long)
    private static final Pattern FORMAT = Pattern.compile("(0|[1-9][0-9]{0,18})-(0|[1-9][0-9]{0,18})");

    public StreamId {
        if (millis < 0 || sequence < 0) {
            throw new IllegalArgumentException("not a stream id: " + millis + "-" + sequence);
        }
    }

    public static Optional<StreamId> parse(String text) {
        Matcher matcher = FORMAT.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StreamId(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))));
        } catch (NumberFormatException beyondLong) {
            return Optional.empty();
        }
    }

    /** The greatest id before this one. */
    public StreamId previous() {
        if (sequence > 0) {
            return new StreamId(millis, sequence - 1);
        }
        if (millis == 0) {
            throw new IllegalArgumentException("0-0 is the first id");
        }
        return new StreamId(millis - 1, Long.MAX_VALUE);
    }

    /** Redis's clock when it stored the event, the same on every node. */
    @Override
    public long bornAt(long arrivedAt) {
        return millis;
    }

    @Override
    public int compareTo(EventId other) {
        if (!(other instanceof StreamId that)) {
            throw new IllegalArgumentException("a stream id and an in-memory id are not ordered: " + this + ", " + other);
        }
        int byTime = Long.compare(millis, that.millis);
        return byTime != 0 ? byTime : Long.compare(sequence, that.sequence);
    }

    @Override
    public String toString() {
        return millis + "-" + sequence;
    }
}
