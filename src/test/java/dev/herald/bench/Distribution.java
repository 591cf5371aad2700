package dev.herald.bench;

/** Percentiles of one kind of measurement, in microseconds; all zero when {@code count} is zero. */
public record Distribution(long count, double p50, double p90, double p99, double p999, double max, double mean) {

    void writeTo(JsonWriter json, String name) {
        json.open(name)
                .field("count", count)
                .field("p50", p50)
                .field("p90", p90)
                .field("p99", p99)
                .field("p999", p999)
                .field("max", max)
                .field("mean", mean)
                .close();
    }
}
