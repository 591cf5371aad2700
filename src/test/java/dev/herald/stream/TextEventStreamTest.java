package dev.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.glassfish.jersey.media.sse.OutboundEvent;
import org.junit.jupiter.api.Test;

class TextEventStreamTest {

    @Test
    void writesRetryFirstThenIdEventAndData() {
        String text = TextEventStream.format(new OutboundEvent.Builder()
                .reconnectDelay(5000).id("abc12345-7").name("order-shipped").data(String.class, "{\"n\":1}").build());

        assertEquals("retry: 5000\nid: abc12345-7\nevent: order-shipped\ndata: {\"n\":1}\n\n", text);
    }

    @Test
    void writesEachLineOfDataAsItsOwnDataField() {
        String text = TextEventStream.format(new OutboundEvent.Builder().data(String.class, "a\nb").build());

        assertEquals("data: a\ndata: b\n\n", text);
    }

    @Test
    void writesACommentAlone() {
        assertEquals(": heartbeat\n\n", TextEventStream.format(new OutboundEvent.Builder().comment("heartbeat").build()));
    }
}
