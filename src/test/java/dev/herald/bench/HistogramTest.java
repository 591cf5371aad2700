package dev.herald.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void percentilesOfAUniformRangeAreWithinOnePercent() {
        Histogram histogram = new Histogram();
        for (long v = 1; v <= 1_000_000; v++) {
            histogram.record(v);
        }

        assertWithinOnePercent(500_000, histogram.percentile(0.50));
        assertWithinOnePercent(990_000, histogram.percentile(0.99));
        assertWithinOnePercent(999_000, histogram.percentile(0.999));
        assertEquals(1_000_000, histogram.percentile(1.0));
        assertEquals(1_000_000, histogram.max());
        assertEquals(500_000.5, histogram.mean(), 1e-6);
    }

    @Test
    void anyValueReadsBackWithinOnePercent() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            long value = (long) Math.pow(10, random.nextDouble(0, 12));
            Histogram histogram = new Histogram();
            histogram.record(0);
            histogram.record(value);
            histogram.record(4 * value);

            assertWithinOnePercent(value, histogram.percentile(0.5));
        }
    }

    @Test
    void valuesBelow128AreExact() {
        Histogram histogram = new Histogram();
        for (int v = 0; v < 100; v++) {
            histogram.record(v);
        }

        assertEquals(49, histogram.percentile(0.50));
        assertEquals(98, histogram.percentile(0.99));
        assertEquals(99, histogram.percentile(0.999));
    }

    @Test
    void skewedLatenciesKeepTheirTail() {
        Histogram histogram = new Histogram();
        for (int i = 0; i < 990; i++) {
            histogram.record(1_000);
        }
        for (int i = 0; i < 10; i++) {
            histogram.record(5_000_000);
        }

        assertWithinOnePercent(1_000, histogram.percentile(0.50));
        assertWithinOnePercent(1_000, histogram.percentile(0.99));
        assertWithinOnePercent(5_000_000, histogram.percentile(0.999));
    }

    @Test
    void mergingAddsCountsAndKeepsTheExtremes() {
        Histogram a = new Histogram();
        Histogram b = new Histogram();
        a.record(10);
        a.record(20);
        b.record(1_000_000);

        a.add(b);

        assertEquals(3, a.count());
        assertEquals(1_000_000, a.max());
        assertEquals(10, a.percentile(0.0));
        assertEquals(20, a.percentile(0.5));
    }

    @Test
    void anEmptyHistogramReportsZeros() {
        Distribution micros = new Histogram().micros();

        assertEquals(new Distribution(0, 0, 0, 0, 0, 0, 0), micros);
    }

    @Test
    void reportsNanosecondsAsMicroseconds() {
        Histogram histogram = new Histogram();
        histogram.record(1_500);
        histogram.record(-3);

        Distribution micros = histogram.micros();

        assertEquals(2, micros.count());
        assertEquals(1.5, micros.max());
        assertEquals(0.75, micros.mean(), 1e-9);
    }

    @Test
    void bucketsGrowWithTheValue() {
        int previous = -1;
        for (long v = 0; v < 1 << 20; v++) {
            int index = Histogram.index(v);
            assertTrue(index == previous || index == previous + 1, "bucket of " + v);
            previous = index;
        }
        assertTrue(Histogram.index(Long.MAX_VALUE) > Histogram.index(1L << 40));
    }

    private static void assertWithinOnePercent(double expected, double actual) {
        assertTrue(Math.abs(actual - expected) <= expected * 0.01, () -> actual + " is not within 1% of " + expected);
    }
}
