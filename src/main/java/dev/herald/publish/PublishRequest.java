package dev.herald.publish;

import dev.herald.config.HeraldConfig;
import dev.herald.history.EventDraft;
import dev.herald.web.ApiException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one {@code POST /api/events} carries: one event (a JSON object) or a batch (a JSON array), read within the
 * limits of its form, every event valid.
 */
public record PublishRequest(List<EventDraft> events, boolean batch) {

    public PublishRequest {
        events = List.copyOf(events);
    }

    /**
     * Reads the body: an object of at most {@code eventMaxBytes}, or an array of at most {@code batch.maxBytes()}
     * bytes whose every element is at most {@code eventMaxBytes}.
     */
    public static PublishRequest read(InputStream in, long declaredLength, int eventMaxBytes,
            HeraldConfig.Batch batch) {
        byte[] body = PublishBody.read(in, declaredLength, Math.max(eventMaxBytes, batch.maxBytes()));
        if (EventBatchParser.isBatch(body)) {
            if (body.length > batch.maxBytes()) {
                throw new ApiException(413, "body_too_large", "the batch is over " + batch.maxBytes()
                        + " bytes (herald.publish.batch-max-bytes)");
            }
            return new PublishRequest(EventBatchParser.parse(body, batch.maxEvents(), eventMaxBytes), true);
        }
        if (body.length > eventMaxBytes) {
            throw PublishBody.tooLarge(eventMaxBytes);
        }
        return new PublishRequest(List.of(EventDraftParser.parse(body)), false);
    }

    /** Runs {@code check} (which refuses with an {@link ApiException}) on every event's topic, before any is stored. */
    public void checkEachTopic(Consumer<String> check) {
        for (int i = 0; i < events.size(); i++) {
            try {
                check.accept(events.get(i).topic());
            } catch (ApiException e) {
                throw e.prefixed(at(i));
            }
        }
    }

    /** What starts the detail of a refusal about the event at {@code index}: its label in a batch, else nothing. */
    public String at(int index) {
        return batch ? EventBatchParser.at(index) : "";
    }
}
