package dev.herald.publish;

import dev.herald.web.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code herald.limits.publish-per-second} per publisher (a token's subject, a container user, or an address): a
 * token bucket that holds one second's worth, so short bursts pass and a flood gets {@code 429}.
 */
public final class PublishRate {

    /** Publishers remembered at once; one forgotten starts again with a full bucket, which errs on its side. */
    private static final int MAX_PUBLISHERS = 10_000;

    private final double perSecond;
    private final Map<String, double[]> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
            return size() > MAX_PUBLISHERS;
        }
    };

    public PublishRate(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Takes one publish from {@code publisher}'s bucket, or refuses with 429 and Retry-After. */
    public synchronized void take(String publisher, long nowNanos) {
        double[] bucket = buckets.computeIfAbsent(publisher, key -> new double[] {perSecond, nowNanos});
        double refill = (nowNanos - bucket[1]) / 1e9 * perSecond;
        bucket[0] = Math.min(perSecond, bucket[0] + refill);
        bucket[1] = nowNanos;
        if (bucket[0] < 1) {
            throw new ApiException(429, "rate_limited", "more than " + (long) perSecond
                    + " publishes per second from this publisher").withHeader("Retry-After", "1");
        }
        bucket[0] -= 1;
    }
}
