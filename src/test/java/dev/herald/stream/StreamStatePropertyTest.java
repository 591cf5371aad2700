package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Random interleavings of everything that can happen to one stream: events published, drains run, the socket
 * filling and draining, the container calling back or ending the request, the client going away, kicks, token
 * expiry, shutdown and the container timing the request out (an undeploy), some of them in the middle of a
 * write as another thread would. Whatever the order, every
 * event is written at most once and in order, nothing is written where it must not be, the request is completed
 * at most once and never after the container ended it, and the stream ends exactly once.
 */
class StreamStatePropertyTest {

    enum Step {
        PUBLISH, RUN_DELIVERY, RUN_CONTAINER, RUN_GRACE, SOCKET_FULL, SOCKET_DRAINS, CLIENT_GONE, CONTAINER_ENDS,
        CONTAINER_TIMES_OUT,
        KICK, TOKEN_EXPIRES, SHUTDOWN, HEARTBEAT,
        KICK_DURING_WRITE, CONTAINER_ENDS_DURING_WRITE, CALLBACK_DURING_WRITE, PUBLISH_DURING_WRITE,
        SHUTDOWN_DURING_WRITE, SOCKET_FULL_DURING_WRITE, GONE_DURING_WRITE
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        // publishing and running tasks are what a stream mostly does; the rest is rarer, so streams live a while
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(Step.PUBLISH)),
                Tuple.of(8, Arbitraries.just(Step.RUN_DELIVERY)),
                Tuple.of(6, Arbitraries.just(Step.RUN_CONTAINER)),
                Tuple.of(2, Arbitraries.just(Step.RUN_GRACE)),
                Tuple.of(3, Arbitraries.just(Step.SOCKET_FULL)),
                Tuple.of(3, Arbitraries.just(Step.SOCKET_DRAINS)),
                Tuple.of(2, Arbitraries.of(Step.HEARTBEAT, Step.CALLBACK_DURING_WRITE,
                        Step.PUBLISH_DURING_WRITE, Step.SOCKET_FULL_DURING_WRITE)),
                Tuple.of(1, Arbitraries.of(Step.CLIENT_GONE, Step.CONTAINER_ENDS, Step.CONTAINER_TIMES_OUT, Step.KICK,
                        Step.TOKEN_EXPIRES, Step.SHUTDOWN, Step.KICK_DURING_WRITE, Step.CONTAINER_ENDS_DURING_WRITE,
                        Step.SHUTDOWN_DURING_WRITE, Step.GONE_DURING_WRITE)));
        return step.list().ofMinSize(1).ofMaxSize(80);
    }

    @Property(tries = 5000)
    void everyEventAtMostOnceInOrderAndEveryStreamEndsExactlyOnce(@ForAll("steps") List<Step> steps,
            @ForAll @IntRange(min = 1, max = 12) int queueLimit, @ForAll @IntRange(min = 0, max = 4) int opening) {
        StreamHarness stream = new StreamHarness(queueLimit, opening);
        List<Step> done = new ArrayList<>();
        stream.start();
        for (Step step : steps) {
            apply(stream, step);
            done.add(step);
            assertTrue(stream.violations.isEmpty(), () -> stream.violations + " after " + done);
        }

        // whatever happened, once everything pending has run, a socket that drains lets an open stream catch up...
        stream.output.duringNextWrite(null);
        stream.output.drainSocket();
        stream.quiesce();
        if (stream.subscriber.state().isOpen()) {
            assertEquals(stream.sent, stream.received.size(), () -> "an open stream left events unwritten after " + done);
        }
        // ...and a shutdown ends it, if nothing else has
        stream.subscriber.endWithRetry(1000);
        stream.quiesce();
        stream.subscriber.close(Subscriber.CloseReason.SHUTDOWN);
        stream.quiesce();

        assertTrue(stream.violations.isEmpty(), () -> stream.violations + " after " + done);
        assertEquals(1, stream.reports.size(), () -> "reported " + stream.reports + " after " + done);
        assertTrue(stream.requestEnded, () -> "the request is still open after " + done);
        assertEquals(StreamState.ENDED, stream.subscriber.state(), () -> "not over after " + done);
        assertTrue(stream.completions <= 1);
    }

    private static void apply(StreamHarness stream, Step step) {
        Subscriber subscriber = stream.subscriber;
        switch (step) {
            case PUBLISH -> stream.publish();
            case RUN_DELIVERY -> stream.runOne(stream.deliveryTasks);
            case RUN_CONTAINER -> stream.runOne(stream.containerTasks);
            case RUN_GRACE -> stream.runOne(stream.graceTasks);
            case SOCKET_FULL -> stream.output.fill();
            case SOCKET_DRAINS -> stream.output.drainSocket();
            case CLIENT_GONE -> stream.output.breakConnection();
            case CONTAINER_ENDS -> stream.containerEnds();
            case CONTAINER_TIMES_OUT -> stream.containerTimesOut();
            case KICK -> subscriber.close(Subscriber.CloseReason.KICKED);
            case TOKEN_EXPIRES -> subscriber.close(Subscriber.CloseReason.TOKEN_EXPIRED);
            case SHUTDOWN -> subscriber.endWithRetry(1000);
            case HEARTBEAT -> subscriber.heartbeat(Long.MAX_VALUE, 0);
            case KICK_DURING_WRITE -> stream.output.duringNextWrite(() -> subscriber.close(Subscriber.CloseReason.KICKED));
            case CONTAINER_ENDS_DURING_WRITE -> stream.output.duringNextWrite(stream::containerEnds);
            case CALLBACK_DURING_WRITE -> stream.output.duringNextWrite(subscriber::onWritePossible);
            case PUBLISH_DURING_WRITE -> stream.output.duringNextWrite(stream::publish);
            case SHUTDOWN_DURING_WRITE -> stream.output.duringNextWrite(() -> subscriber.endWithRetry(1000));
            case SOCKET_FULL_DURING_WRITE -> stream.output.duringNextWrite(stream.output::fill);
            case GONE_DURING_WRITE -> stream.output.duringNextWrite(stream.output::breakConnection);
        }
    }
}
