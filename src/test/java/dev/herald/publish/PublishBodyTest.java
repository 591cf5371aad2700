package dev.herald.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herald.web.ApiException;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class PublishBodyTest {

    @Test
    void acceptsJsonWithOrWithoutUtf8Charset() {
        PublishBody.checkContentType(MediaType.valueOf("application/json"));
        PublishBody.checkContentType(MediaType.valueOf("application/json; charset=utf-8"));
    }

    @Test
    void refusesOtherContentTypesAndCharsets() {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/*",
                "application/json; charset=iso-8859-1"}) {
            ApiException e = assertThrows(ApiException.class, () -> PublishBody.checkContentType(MediaType.valueOf(type)));
            assertEquals(415, e.status(), type);
        }
        assertEquals(415, assertThrows(ApiException.class, () -> PublishBody.checkContentType(null)).status());
    }

    @Test
    void readsABodyUpToTheLimit() {
        byte[] body = new byte[100];

        assertArrayEquals(body, PublishBody.read(new ByteArrayInputStream(body), -1, 100));
    }

    @Test
    void refusesABodyOverTheLimitWhetherDeclaredOrNot() {
        byte[] body = new byte[101];

        assertEquals(413, assertThrows(ApiException.class,
                () -> PublishBody.read(new ByteArrayInputStream(body), -1, 100)).status());
        assertEquals(413, assertThrows(ApiException.class,
                () -> PublishBody.read(new ByteArrayInputStream(new byte[0]), 101, 100)).status());
    }
}
