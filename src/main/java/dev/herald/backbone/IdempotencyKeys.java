package dev.herald.backbone;

import dev.herald.history.EventDraft;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What an {@code Idempotency-Key} may be, and the fingerprint that tells a retry from a different event. */
public final class IdempotencyKeys {

    public static final String HEADER = "Idempotency-Key";
    /** A UUID needs 36; room for a caller's own prefix, short enough to keep thousands in memory or Redis. */
    public static final int MAX_LENGTH = 128;
    private static final Pattern FORMAT = Pattern.compile("[\\x21-\\x7E]{1," + MAX_LENGTH + "}");

    private IdempotencyKeys() {
    }

    public static boolean isValid(String key) {
        return FORMAT.matcher(key).matches();
    }

    /** SHA-256 over every field of the event, so a key reused for another event is caught. */
    public static String fingerprint(EventDraft draft) {
        return sha256(text(draft));
    }

    /**
     * The fingerprint of what one publish carried: a single event's as above; a batch's over every event in order,
     * marked as a batch, so a key reused between a single event and a batch of it is caught too.
     */
    public static String fingerprint(List<EventDraft> drafts, boolean batch) {
        if (!batch) {
            return fingerprint(drafts.get(0));
        }
        // JSON text and valid names never hold U+0001: the events cannot run into each other
        return sha256("batch\u0001" + drafts.stream().map(IdempotencyKeys::text).collect(Collectors.joining("\u0001")));
    }

    private static String text(EventDraft draft) {
        String text = String.join("\u0000", String.valueOf(draft.topic()), draft.type(), draft.data(),
                String.valueOf(draft.retryMs()));
        if (draft.retain()) {
            // only when set, so the fingerprints of events that are not retained stay what they were
            text += "\u0000retain";
        }
        return text;
    }

    private static String sha256(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
