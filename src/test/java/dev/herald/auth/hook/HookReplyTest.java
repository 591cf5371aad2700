package dev.herald.auth.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.auth.Grants;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HookReplyTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static HookAnswer read(String json) {
        return HookReply.read(200, json.getBytes(StandardCharsets.UTF_8), NOW);
    }

    @Test
    void aCompleteAnswerGrantsItsPatternsToItsSubjectUntilItsExpiry() {
        HookAnswer answer = read("{\"sub\":\"alice\",\"subscribe\":[\"user/alice\",\"orders/*\",\"$presence\"],"
                + "\"expiresIn\":60,\"extra\":true}");

        assertEquals(HookAnswer.Kind.GRANTED, answer.kind());
        Grants grants = answer.grants();
        assertEquals("alice", grants.subject());
        assertEquals(NOW.plusSeconds(60), grants.expiresAt());
        assertTrue(grants.maySubscribe("orders/1"));
        assertTrue(grants.maySubscribe("$presence"));
        assertFalse(grants.mayPublish("orders/1"), "a hook never grants publishing");
    }

    @Test
    void dollarNamesAreGrantedOnlyByName() {
        assertFalse(read("{\"sub\":\"a\",\"subscribe\":[\"*\"],\"expiresIn\":1}").grants().maySubscribe("$presence"));
    }

    @Test
    void everyMissingOrMistypedFieldGrantsNothing() {
        List<String> wrong = List.of(
                "{\"subscribe\":[],\"expiresIn\":60}",
                "{\"sub\":\"a\",\"expiresIn\":60}",
                "{\"sub\":\"a\",\"subscribe\":[]}",
                "{\"sub\":7,\"subscribe\":[],\"expiresIn\":60}",
                "{\"sub\":\"\",\"subscribe\":[],\"expiresIn\":60}",
                "{\"sub\":\"auth0|123\",\"subscribe\":[],\"expiresIn\":60}",
                "{\"sub\":\"" + "a".repeat(129) + "\",\"subscribe\":[],\"expiresIn\":60}",
                "{\"sub\":\"a\",\"subscribe\":\"user/a\",\"expiresIn\":60}",
                "{\"sub\":\"a\",\"subscribe\":[\"a*b\"],\"expiresIn\":60}",
                "{\"sub\":\"a\",\"subscribe\":[3],\"expiresIn\":60}",
                "{\"sub\":\"a\",\"subscribe\":[\"$admin2\"],\"expiresIn\":60}",
                "{\"sub\":\"a\",\"subscribe\":[],\"expiresIn\":\"60\"}",
                "{\"sub\":\"a\",\"subscribe\":[],\"expiresIn\":60.5}",
                "{\"sub\":\"a\",\"subscribe\":[],\"expiresIn\":0}",
                "{\"sub\":\"a\",\"subscribe\":[],\"expiresIn\":86401}",
                "{\"sub\":\"a\",\"subscribe\":[],\"expiresIn\":99999999999}",
                "[]", "null", "not json", "{\"sub\":\"a\",\"sub\":\"b\",\"subscribe\":[],\"expiresIn\":60}");
        for (String body : wrong) {
            assertEquals(HookAnswer.Kind.UNAVAILABLE, read(body).kind(), body);
        }
    }

    @Test
    void statusesOtherThan200AreRefusalsOrNothing() {
        assertEquals(HookAnswer.Kind.UNAUTHORIZED, HookReply.read(401, new byte[0], NOW).kind());
        assertEquals(HookAnswer.Kind.FORBIDDEN, HookReply.read(403, new byte[0], NOW).kind());
        for (int status : new int[] {201, 204, 400, 404, 429, 500, 503}) {
            assertEquals(HookAnswer.Kind.UNAVAILABLE, HookReply.read(status, new byte[0], NOW).kind());
        }
    }
}
