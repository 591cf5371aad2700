package dev.herald.bench;

/**
 * Counts non-negative values (nanoseconds here) in log-linear buckets: exact below 128, then 128 buckets per
 * power of two. A percentile read back is the middle of its bucket, within 1/256 of any value in it, so well
 * inside the 1% a latency report needs. Fixed size; recording allocates nothing.
 */
final class Histogram {

    private static final int SUB_BITS = 7;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;
    /** Exact buckets, then one row of {@link #SUB_BUCKETS} for each power of two up to 2^62. */
    private static final int BUCKETS = SUB_BUCKETS + (63 - SUB_BITS) * SUB_BUCKETS;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long min = Long.MAX_VALUE;
    private long max;
    private double sum;

    /** Records one value; a negative one (a clock that stepped back) counts as zero. */
    void record(long value) {
        long v = Math.max(0, value);
        counts[index(v)]++;
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
    }

    void add(Histogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        count += other.count;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    long count() {
        return count;
    }

    long max() {
        return max;
    }

    double mean() {
        return count == 0 ? 0 : sum / count;
    }

    /** The value below which a fraction {@code q} of the recorded values lie; 0 when nothing was recorded. */
    double percentile(double q) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * count));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, Math.max(min, middle(i)));
            }
        }
        return max;
    }

    /** p50, p90, p99, p99.9, max and mean, in microseconds, of values recorded in nanoseconds. */
    Distribution micros() {
        return new Distribution(count, percentile(0.50) / 1e3, percentile(0.90) / 1e3, percentile(0.99) / 1e3,
                percentile(0.999) / 1e3, max / 1e3, mean() / 1e3);
    }

    static int index(long value) {
        if (value < SUB_BUCKETS) {
            return (int) value;
        }
        int shift = 63 - Long.numberOfLeadingZeros(value) - SUB_BITS;
        return SUB_BUCKETS + shift * SUB_BUCKETS + (int) ((value >>> shift) - SUB_BUCKETS);
    }

    private static double middle(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int shift = (index - SUB_BUCKETS) / SUB_BUCKETS;
        long lower = (long) (SUB_BUCKETS + (index - SUB_BUCKETS) % SUB_BUCKETS) << shift;
        long width = 1L << shift;
        return lower + (width - 1) / 2.0;
    }
}
