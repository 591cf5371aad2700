package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herald.config.HeraldConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

    private final ConnectionLimits limits = new ConnectionLimits(new HeraldConfig.Limits(3, 2, 1000, List.of()));

    @Test
    void admitsUpToThePerAddressLimitThenRefusesThatAddressOnly() {
        assertNull(limits.admit("a"));
        assertNull(limits.admit("a"));

        assertEquals(new ConnectionLimits.Refusal(ConnectionLimits.Refusal.Kind.ADDRESS_FULL, 2), limits.admit("a"));
        assertNull(limits.admit("b"));
        assertEquals(3, limits.open());
    }

    @Test
    void refusesEveryAddressOnceTheNodeIsFullUntilAStreamIsReleased() {
        limits.admit("a");
        limits.admit("b");
        limits.admit("c");

        assertEquals(new ConnectionLimits.Refusal(ConnectionLimits.Refusal.Kind.NODE_FULL, 3), limits.admit("d"));
        limits.release("b");
        assertNull(limits.admit("d"));
        assertEquals(3, limits.open());
    }

    @Test
    void aRefusedStreamIsNotCountedAndReleasingWhatWasNeverAdmittedIsABug() {
        limits.admit("a");
        limits.admit("a");
        limits.admit("a");
        limits.release("a");

        assertNull(limits.admit("a"));
        assertThrows(IllegalStateException.class, () -> limits.release("never"));
    }
}
