package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bounds of retained events, on the WAR deployed with at most 3 retained topics and 2 retained events per stream
 * ({@link BuiltWar#retainedSmall}). Each test clears what it retained.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RetainedLimitsIT {

    private static final Pattern TOPIC = Pattern.compile("\"topic\":\"([^\"]+)\"");

    @ArquillianResource
    @OperateOnDeployment(BuiltWar.RETAINED_SMALL)
    private URL small;

    private ExecutorService readers;
    private Api api;

    @Deployment(name = BuiltWar.RETAINED_SMALL, testable = false)
    static WebArchive war() {
        return BuiltWar.retainedSmall();
    }

    @BeforeEach
    void connect() {
        readers = Executors.newCachedThreadPool();
        api = new Api(small, readers);
    }

    /** Clears every retained event, so the next test starts with room for 3 topics. */
    @AfterEach
    void clearAll() throws Exception {
        try {
            // a read gives at most 2: as many rounds as it takes, and never more than the 3 topics could need
            for (int round = 0; round < 3; round++) {
                Matcher topics = TOPIC.matcher(api.get("api/retained?topic=*").body());
                while (topics.find()) {
                    assertEquals(204, api.delete("api/retained?topic=" + topics.group(1), Tokens.publisher()).statusCode());
                }
            }
            assertEquals("[]", api.get("api/retained?topic=*").body());
        } finally {
            readers.shutdownNow();
        }
    }

    private HttpResponse<String> publish(String json) throws Exception {
        return api.post("api/events", "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRetainBeyondTheMostTopicsIs409AndPublishesNothingWhileAReplacementPasses() throws Exception {
        for (String topic : List.of("full/a", "full/b", "full/c")) {
            RetainedIT.retain(api, topic, "1");
        }
        try (SseStream stream = api.stream("topic=full/d")) {
            stream.ready();

            HttpResponse<String> refused = publish("{\"topic\":\"full/d\",\"data\":2,\"retain\":true}");
            String replaced = RetainedIT.retain(api, "full/a", "3");
            String plain = api.publish("full/d", "4");

            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("\"retained_full\""), refused.body());
            assertEquals(new SseEvent(plain, "message", "4", null), stream.next(), "the refused event was published");
            assertEquals("[]", api.get("api/retained?topic=full/d").body());
            assertTrue(api.get("api/retained?topic=full/a").body().contains(replaced));
            assertEquals(204, api.delete("api/retained?topic=full/b", Tokens.publisher()).statusCode());
            RetainedIT.retain(api, "full/d", "5");
        }
    }

    @Test
    void aStreamGetsTheNewestRetainedPerStreamAndReadySaysSomeWereLeftOut() throws Exception {
        RetainedIT.retain(api, "trunc/a", "1");
        String b = RetainedIT.retain(api, "trunc/b", "2");
        String c = RetainedIT.retain(api, "trunc/c", "3");

        try (SseStream all = api.stream("topic=trunc/a&topic=trunc/b&topic=trunc/c");
                SseStream two = api.stream("topic=trunc/a&topic=trunc/c")) {
            List<SseEvent> opening = all.until(e -> e.type().equals("ready"));
            List<SseEvent> fits = two.until(e -> e.type().equals("ready"));

            assertEquals(List.of(b, c), List.of(opening.get(1).id(), opening.get(2).id()));
            assertEquals("{\"replayed\":0,\"retained\":2,\"retainedTruncated\":true}", opening.get(3).data());
            assertEquals("{\"replayed\":0,\"retained\":2}", fits.get(3).data());
        }
        HttpResponse<String> read = api.get("api/retained?topic=trunc/*");
        assertEquals("[" + RetainedIT.json(b, "trunc/b", "2") + "," + RetainedIT.json(c, "trunc/c", "3") + "]",
                read.body());
        assertEquals("true", read.headers().firstValue("Herald-Retained-Truncated").orElse(null));
        assertTrue(api.get("api/retained?topic=trunc/b").headers().firstValue("Herald-Retained-Truncated").isEmpty());
    }
}
