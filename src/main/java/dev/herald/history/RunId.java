package dev.herald.history;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory event id: the run that assigned it and its sequence number in that run, written {@code run-seq}.
 * The run starts with a letter, so an id of one run is never mistaken for another run's or for a Redis stream id.
 */
public record RunId(String run, long sequence) implements EventId {

    private static final Pattern FORMAT = Pattern.compile("([a-z][a-z0-9]{7})-(0|[1-9][0-9]{0,17})");
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";
    private static final String ALPHANUMERIC = LETTERS + "0123456789";

    public RunId {
        if (!FORMAT.matcher(run + "-0").matches() || sequence < 0) {
            throw new IllegalArgumentException("not an event id: " + run + "-" + sequence);
        }
    }

    /** A fresh run name, different for every start of the server. */
    public static String newRun() {
        RandomGenerator random = new SecureRandom();
        StringBuilder run = new StringBuilder(8).append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        for (int i = 1; i < 8; i++) {
            run.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return run.toString();
    }

    /** The id when {@code text} has Herald's in-memory form, empty otherwise. */
    public static Optional<RunId> parse(String text) {
        Matcher matcher = FORMAT.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new RunId(matcher.group(1), Long.parseLong(matcher.group(2))));
    }

    /** The ids one run assigns: {@code run-0} before the first event, then counting up. */
    public static IdScheme scheme(String run) {
        RunId origin = new RunId(run, 0);
        return new IdScheme() {
            @Override
            public EventId origin() {
                return origin;
            }

            @Override
            public Parsed parse(String text) {
                RunId id = RunId.parse(text).orElse(null);
                if (id == null) {
                    return Parsed.reset(Replay.ResetReason.UNKNOWN_ID);
                }
                return id.run().equals(run) ? Parsed.of(id) : Parsed.reset(Replay.ResetReason.OTHER_RUN);
            }
        };
    }

    /** An in-memory id carries no time: the event is as old as its arrival here. */
    @Override
    public long bornAt(long arrivedAt) {
        return arrivedAt;
    }

    /** Only ids of the same run are ordered. */
    @Override
    public int compareTo(EventId other) {
        if (!(other instanceof RunId that) || !run.equals(that.run)) {
            throw new IllegalArgumentException("ids of different runs are not ordered: " + this + ", " + other);
        }
        return Long.compare(sequence, that.sequence);
    }

    @Override
    public String toString() {
        return run + "-" + sequence;
    }
}
