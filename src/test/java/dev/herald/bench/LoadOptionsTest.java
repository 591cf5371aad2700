package dev.herald.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void aWildcardShareSpreadsEvenlyOverTheSubscribersWithTheWildcardOfTheTopic() {
        LoadOptions half = LoadOptions.builder().topic("bench/fanout").wildcardPercent(50).subscribers(10_000).build();

        assertEquals(5_000, IntStream.range(0, 10_000).filter(half::subscribesWithWildcard).count());
        assertEquals(1, IntStream.range(0, 2).filter(half::subscribesWithWildcard).count());
        assertEquals("bench/*", half.wildcard());
        assertEquals("*", LoadOptions.builder().topic("bench").wildcardPercent(100).build().wildcard());
        assertEquals("/herald/api/events?topic=bench/*", Target.HERALD.wildcardStreamPath(half));
        assertEquals(0, IntStream.range(0, 100).filter(LoadOptions.builder().topic("t").build()::subscribesWithWildcard)
                .count());
    }

    @Test
    void aWildcardShareNeedsHeraldAndATopic() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().wildcardPercent(50).build());
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.builder().topic("bench").wildcardPercent(101).build());
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.builder().target(Target.NCHAN).topic("bench").wildcardPercent(50).build());
    }
}
