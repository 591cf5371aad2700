package dev.herald.publish;

import dev.herald.web.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * {@code herald.limits.publish-per-second} events per publisher (a token's subject, a container user, or an
 * address): a token bucket that refills at that rate and holds one second's worth, or a full batch
 * ({@code herald.publish.batch-max}) if that is more, so short bursts pass, a full batch is never refused forever,
 * and a flood gets {@code 429}. A batch takes as many tokens as it has events, all or none.
 */
public final class PublishRate {

    /** Publishers remembered at once; one forgotten starts again with a full bucket, which errs on its side. */
    private static final int MAX_PUBLISHERS = 10_000;

    private final double perSecond;
    private final double capacity;
    private final Map<String, double[]> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
            return size() > MAX_PUBLISHERS;
        }
    };

    public PublishRate(int perSecond, int batchMax) {
        this.perSecond = perSecond;
        this.capacity = Math.max(perSecond, batchMax);
    }

    /**
     * Takes {@code events} from {@code publisher}'s bucket, or none and refuses with 429 and Retry-After (when the
     * bucket will hold enough); {@code at} labels the first event over the limit, for the refusal's detail.
     */
    public synchronized void take(String publisher, int events, IntFunction<String> at, long nowNanos) {
        double[] bucket = buckets.computeIfAbsent(publisher, key -> new double[] {capacity, nowNanos});
        double refill = (nowNanos - bucket[1]) / 1e9 * perSecond;
        bucket[0] = Math.min(capacity, bucket[0] + refill);
        bucket[1] = nowNanos;
        if (bucket[0] < events) {
            long wait = Math.max(1, (long) Math.ceil((events - bucket[0]) / perSecond));
            throw new ApiException(429, "rate_limited", at.apply((int) bucket[0]) + "more than " + (long) perSecond
                    + " events per second from this publisher").withHeader("Retry-After", String.valueOf(wait));
        }
        bucket[0] -= events;
    }
}
