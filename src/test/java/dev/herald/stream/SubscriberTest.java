package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The races that matter for one stream, each played step by step on the test's thread (see {@link StreamHarness}). */
class SubscriberTest {

    private StreamHarness stream;

    @AfterEach
    void nothingWasMisused() {
        assertTrue(stream.violations.isEmpty(), stream.violations::toString);
    }

    /** Starts the stream and writes its opening, so it is live and idle. */
    private StreamHarness live(int queueLimit, int opening) {
        stream = new StreamHarness(queueLimit, opening);
        stream.start();
        stream.quiesce();
        assertEquals(StreamState.IDLE, stream.subscriber.state());
        return stream;
    }

    @Test
    void writesTheOpeningThenLiveEventsInOrderAndGoesIdle() {
        live(10, 3);
        stream.publish();
        stream.publish();
        stream.quiesce();

        assertEquals(List.of(0, 1, 2, 3, 4), stream.received);
        assertEquals(StreamState.IDLE, stream.subscriber.state());
        assertTrue(stream.reports.isEmpty());
    }

    @Test
    void aCatchUpLongerThanATurnIsWrittenWholeAndInOrderOverSeveralTurns() {
        // 5,000 events of about 30 bytes: more than two turns of Outbox.BYTES_PER_TURN, each ending on an event
        // that did not fit and goes first in the next
        live(10, 5000);
        stream.publish();
        stream.quiesce();

        assertEquals(java.util.stream.IntStream.rangeClosed(0, 5000).boxed().toList(), stream.received);
        assertTrue(stream.output.writes > 2, "one turn: " + stream.output.writes + " writes");
        assertEquals(StreamState.IDLE, stream.subscriber.state());
    }

    @Test
    void theClientGoingAwayDuringTheCatchUpEndsTheStreamOnceAndLeavesTheRequestToTheContainer() {
        stream = new StreamHarness(10, 50);
        stream.output.duringNextWrite(stream.output::breakConnection);
        stream.start();
        stream.runOne(stream.containerTasks);

        assertEquals(StreamState.FAILED, stream.subscriber.state());
        assertEquals(List.of(Subscriber.CloseReason.CLIENT_GONE), stream.reports);
        stream.quiesce();
        assertEquals(StreamState.ENDED, stream.subscriber.state());
        assertEquals(0, stream.completions, "completed a request the container ended");
        assertEquals(1, stream.reports.size());
    }

    @Test
    void aKickDuringADrainLetsTheDrainFinishTheStream() {
        live(10, 0);
        stream.output.duringNextWrite(() -> {
            stream.subscriber.close(Subscriber.CloseReason.KICKED);
            // the kick returns at once: the drain that is writing completes the request when it next looks
            assertEquals(StreamState.ENDING_WRITING, stream.subscriber.state());
            assertEquals(0, stream.completions);
        });
        stream.publish();
        stream.publish();
        stream.runOne(stream.deliveryTasks);

        assertEquals(StreamState.ENDED, stream.subscriber.state());
        assertEquals(1, stream.completions);
        assertEquals(List.of(Subscriber.CloseReason.KICKED), stream.reports);
        assertEquals(1, stream.output.writes, "written after the kick");
    }

    @Test
    void aTokenExpiringDuringAWriteEndsTheStreamAfterThatWrite() {
        stream = new StreamHarness(10, 0, Instant.now().minusSeconds(1));
        stream.start();
        stream.quiesce();
        Sweep sweep = new Sweep(Clock.systemUTC(), Duration.ofSeconds(15));
        stream.output.duringNextWrite(() -> sweep.run(List.of(stream.subscriber), System.nanoTime()));
        stream.publish();
        stream.quiesce();

        assertEquals(List.of(Subscriber.CloseReason.TOKEN_EXPIRED), stream.reports);
        assertEquals(1, stream.completions);
        assertEquals(StreamState.ENDED, stream.subscriber.state());
    }

    @Test
    void aShutdownDuringAWriteSendsTheLastRetryLineAfterWhatWasQueuedThenEnds() {
        live(10, 0);
        stream.output.duringNextWrite(() -> {
            stream.publish();
            stream.subscriber.endWithRetry(4321);
        });
        stream.publish();
        stream.quiesce();

        assertEquals(List.of(0, 1), stream.received);
        assertTrue(stream.output.flushed.toString().endsWith("retry: 4321\n\n"), stream.output.flushed.toString());
        assertEquals(List.of(Subscriber.CloseReason.SHUTDOWN), stream.reports);
        assertEquals(1, stream.completions);
    }

    @Test
    void theContainerEndingTheRequestDuringADrainWaitsForTheDrainAndIsNeverCompletedAfter() throws Exception {
        live(10, 0);
        CountDownLatch returned = new CountDownLatch(1);
        Thread container = new Thread(() -> {
            stream.containerEnds();
            returned.countDown();
        }, "container");
        stream.output.duringNextWrite(() -> {
            container.start();
            // the container's thread must wait while this write is in progress; bounded: 5 s
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (container.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(Thread.State.TIMED_WAITING, container.getState(), "the container did not wait for the drain");
            assertEquals(StreamState.GONE_WRITING, stream.subscriber.state());
        });
        stream.publish();
        stream.publish();
        stream.runOne(stream.deliveryTasks);

        assertTrue(returned.await(5, TimeUnit.SECONDS), "the container's thread was not released");
        container.join(5000);
        assertEquals(StreamState.ENDED, stream.subscriber.state());
        assertEquals(List.of(Subscriber.CloseReason.CLIENT_GONE), stream.reports);
        assertEquals(0, stream.completions);
        assertEquals(1, stream.output.writes);
    }

    @Test
    void theContainerEndingTheRequestOnTheDrainingThreadDoesNotWaitForItself() {
        live(10, 0);
        stream.output.duringNextWrite(stream::containerEnds);
        stream.publish();
        stream.runOne(stream.deliveryTasks);

        assertEquals(StreamState.ENDED, stream.subscriber.state());
        assertEquals(List.of(Subscriber.CloseReason.CLIENT_GONE), stream.reports);
        assertEquals(0, stream.completions);
    }

    @Test
    void aFullQueueEndsTheStreamOnADeliveryThreadNotInTheBroadcast() {
        live(2, 0);
        stream.output.fill();
        stream.publish();
        stream.runOne(stream.deliveryTasks);
        assertEquals(StreamState.BLOCKED, stream.subscriber.state());
        stream.publish();
        stream.publish();

        // the broadcast only marked it: nothing completed, nothing reported, nothing written
        assertEquals(StreamState.ENDING, stream.subscriber.state());
        assertEquals(0, stream.completions);
        assertTrue(stream.reports.isEmpty());
        assertFalse(stream.deliveryTasks.isEmpty());
        stream.runOne(stream.deliveryTasks);
        assertEquals(List.of(Subscriber.CloseReason.SLOW), stream.reports);
        assertEquals(1, stream.completions);
        assertEquals(StreamState.ENDED, stream.subscriber.state());
    }

    @Test
    void whatWasWrittenBeforeTheSocketFilledIsFlushedWhenItDrains() {
        live(10, 0);
        stream.output.duringNextWrite(stream.output::fill);
        stream.publish();
        stream.runOne(stream.deliveryTasks);
        assertEquals(StreamState.BLOCKED, stream.subscriber.state());
        assertEquals(List.of(), stream.received);

        stream.output.drainSocket();
        stream.quiesce();
        assertEquals(List.of(0), stream.received);
        assertEquals(StreamState.IDLE, stream.subscriber.state());
    }

    @Test
    void aFailedWriteIsCompletedByHeraldOnlyIfTheContainerDoesNotEndItWithinTheGrace() {
        live(10, 0);
        stream.output.duringNextWrite(() -> stream.output.breakConnection());
        stream.containerTasks.clear();
        stream.publish();
        stream.runOne(stream.deliveryTasks);
        stream.containerTasks.clear(); // this container never notices

        assertEquals(StreamState.FAILED, stream.subscriber.state());
        assertEquals(0, stream.completions);
        stream.runOne(stream.graceTasks);
        assertEquals(1, stream.completions);
        assertEquals(StreamState.ENDED, stream.subscriber.state());
        assertEquals(List.of(Subscriber.CloseReason.CLIENT_GONE), stream.reports);
    }

    @Test
    void aTimeoutFromTheContainerEndsAnIdleStreamWithALastRetryBeforeTheCallbackReturns() {
        live(10, 0);
        stream.publish();
        stream.quiesce();

        stream.subscriber.containerTimedOut(4321);

        assertTrue(stream.output.flushed.toString().endsWith("retry: 4321\n\n"), stream.output.flushed.toString());
        assertEquals(1, stream.completions, "not completed within the callback");
        assertFalse(stream.containerEndedFirst);
        assertEquals(List.of(Subscriber.CloseReason.SHUTDOWN), stream.reports);
        assertEquals(StreamState.ENDED, stream.subscriber.state());
    }

    @Test
    void aTimeoutWhileAStreamIsHandedToADeliveryThreadRunsThatDrainItself() {
        live(10, 0);
        stream.publish();
        assertEquals(1, stream.deliveryTasks.size());

        stream.subscriber.containerTimedOut(4321);

        assertEquals(List.of(0), stream.received);
        assertTrue(stream.output.flushed.toString().endsWith("retry: 4321\n\n"), stream.output.flushed.toString());
        assertEquals(1, stream.completions);
        stream.quiesce();
        assertEquals(1, stream.completions, "the handed-over drain ran as well");
    }

    @Test
    void aTimeoutWhileAnotherThreadDrainsWaitsForThatDrainToWriteTheLastRetry() throws Exception {
        live(10, 0);
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        stream.output.duringNextWrite(() -> {
            writing.countDown();
            try {
                assertTrue(release.await(5, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stream.publish();
        Thread delivery = new Thread(() -> stream.runOne(stream.deliveryTasks), "delivery");
        delivery.start();
        assertTrue(writing.await(5, TimeUnit.SECONDS));
        Thread container = new Thread(() -> stream.subscriber.containerTimedOut(4321), "container");
        container.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (container.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(Thread.State.TIMED_WAITING, container.getState(), "the container did not wait for the drain");

        release.countDown();
        delivery.join(5000);
        container.join(5000);

        assertTrue(stream.output.flushed.toString().endsWith("retry: 4321\n\n"), stream.output.flushed.toString());
        assertEquals(1, stream.completions);
        assertEquals(List.of(Subscriber.CloseReason.SHUTDOWN), stream.reports);
    }

    @Test
    void aTimeoutOfAStreamWhoseSocketIsFullLeavesTheEndToTheContainer() {
        live(10, 0);
        stream.output.fill();
        stream.publish();
        stream.runOne(stream.deliveryTasks);
        assertEquals(StreamState.BLOCKED, stream.subscriber.state());

        stream.containerTimesOut();

        assertEquals(0, stream.completions);
        assertEquals(List.of(Subscriber.CloseReason.CLIENT_GONE), stream.reports);
        assertEquals(StreamState.ENDED, stream.subscriber.state());
    }
}
