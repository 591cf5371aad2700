package dev.herald;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand, so that what Herald does after a while (a floor between fetches, a cache's or a
 * block's end) needs no waiting. It starts at the real now: what it is compared with (a token's {@code iat}, say)
 * may come from the real clock.
 */
public final class MovableClock extends Clock {

    private volatile Instant now = Instant.now();

    public void move(Duration by) {
        now = now.plus(by);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
