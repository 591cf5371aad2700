package dev.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policies, applied to callers built by hand: what each kind of caller may and may not do. */
class AccessTest {

    private static final ListenPolicy LISTENING = new ListenPolicy(List.of(new TopicPattern("user/*"),
            new TopicPattern("billing/*")));

    private static Caller token(List<String> publish, List<String> subscribe, String subject) {
        return Caller.token(new Grants(patterns(publish), patterns(subscribe), subject, Instant.now().plusSeconds(60)));
    }

    private static List<TopicPattern> patterns(List<String> patterns) {
        return patterns.stream().map(TopicPattern::new).toList();
    }

    private static Caller user(boolean publisher) {
        return Caller.user(new Credentials.ContainerUser("newsroom", publisher));
    }

    @Test
    void aTokenPublishesWhereItsPatternsReachAndEventsWithoutATopicNeedStar() {
        Caller orders = token(List.of("orders/*"), List.of(), "billing");

        assertTrue(PublishPolicy.decide(orders, "orders/42").allowed());
        assertEquals(Verdict.Kind.FORBIDDEN, PublishPolicy.decide(orders, "orders").kind());
        assertEquals(Verdict.Kind.FORBIDDEN, PublishPolicy.decide(orders, null).kind());
        assertTrue(PublishPolicy.decide(token(List.of("*"), List.of(), null), null).allowed());
    }

    @Test
    void presenceAndAdminAreGrantedOnlyByTheirNamesNeverByAStar() {
        Caller star = token(List.of("*"), List.of("*"), null);
        assertEquals(Verdict.Kind.FORBIDDEN, LISTENING.decide(star, "$presence").kind());
        assertEquals(Verdict.Kind.FORBIDDEN, AdminPolicy.decide(star).kind());

        assertTrue(LISTENING.decide(token(List.of(), List.of("$presence"), null), "$presence").allowed());
        assertTrue(AdminPolicy.decide(token(List.of("$admin"), List.of(), null)).allowed());
    }

    @Test
    void keysUnavailableIsA503WithRetryAfter() {
        dev.herald.web.ApiException e = Access.keysUnavailable(new KeysUnavailableException("down", 7));

        assertEquals(503, e.status());
        assertEquals("keys_unavailable", e.code());
        assertEquals("7", e.headers().get("Retry-After"));
    }

    @Test
    void aContainerUserPublishesOnlyWithThePublisherRoleAndNobodyIsAskedForCredentials() {
        assertTrue(PublishPolicy.decide(user(true), "anything").allowed());
        Verdict withoutRole = PublishPolicy.decide(user(false), "anything");
        assertEquals(Verdict.Kind.FORBIDDEN, withoutRole.kind());
        assertTrue(withoutRole.reason().contains(Access.PUBLISHER_ROLE), withoutRole.reason());
        assertEquals(Verdict.Kind.UNKNOWN_CALLER, PublishPolicy.decide(Caller.NOBODY, "anything").kind());
        assertTrue(PublishPolicy.decide(Caller.ANYONE, null).allowed());
    }

    @Test
    void publicTopicsNeedNothingPrivateOnesAGrantOrTheirOwnSubject() {
        assertTrue(LISTENING.decide(Caller.NOBODY, "news").allowed());
        assertEquals(Verdict.Kind.UNKNOWN_CALLER, LISTENING.decide(Caller.NOBODY, "user/alice").kind());
        assertEquals(Verdict.Kind.UNKNOWN_CALLER, LISTENING.decide(Caller.NOBODY, "$presence").kind());

        Caller alice = token(List.of(), List.of("billing/*"), "alice");
        assertTrue(LISTENING.decide(alice, "user/alice").allowed());
        assertTrue(LISTENING.decide(alice, "billing/7").allowed());
        assertEquals(Verdict.Kind.FORBIDDEN, LISTENING.decide(alice, "user/bob").kind());
        assertEquals(Verdict.Kind.FORBIDDEN, LISTENING.decide(alice, "$presence").kind());
    }

    @Test
    void aContainerUserListensEverywhereOnlyWithThePublisherRole() {
        assertTrue(LISTENING.decide(user(true), "user/alice").allowed());
        assertTrue(LISTENING.decide(user(true), "$presence").allowed());
        assertEquals(Verdict.Kind.UNKNOWN_CALLER, LISTENING.decide(user(false), "user/alice").kind());
        assertTrue(LISTENING.decide(user(false), "news").allowed());
    }

    @Test
    void adminIsGrantedOnlyByNamingItExactly() {
        assertTrue(AdminPolicy.decide(token(List.of("$admin"), List.of(), "ops")).allowed());
        assertTrue(AdminPolicy.decide(token(List.of(), List.of("$admin"), "ops")).allowed());

        Verdict everything = AdminPolicy.decide(token(List.of("*"), List.of("*"), "backend"));
        assertEquals(Verdict.Kind.FORBIDDEN, everything.kind());
        assertTrue(everything.reason().contains("$admin"), everything.reason());
        assertEquals(Verdict.Kind.FORBIDDEN, AdminPolicy.decide(token(List.of("$*"), List.of(), "x")).kind());
    }

    @Test
    void adminAsAContainerUserNeedsThePublisherRoleAndWithoutCredentialsIsUnknown() {
        assertTrue(AdminPolicy.decide(user(true)).allowed());
        assertEquals(Verdict.Kind.FORBIDDEN, AdminPolicy.decide(user(false)).kind());
        assertEquals(Verdict.Kind.UNKNOWN_CALLER, AdminPolicy.decide(Caller.NOBODY).kind());
        assertTrue(AdminPolicy.decide(Caller.ANYONE).allowed());
    }

    @Test
    void theHookIsNeededForPrivateNamesPresenceAndWildcardsOverlappingAPrivatePatternOnly() {
        assertTrue(LISTENING.mayNeedGrant("user/alice"));
        assertTrue(LISTENING.mayNeedGrant("$presence"));
        assertTrue(LISTENING.mayNeedGrant("*"));
        assertTrue(LISTENING.mayNeedGrant("user/*"));
        assertTrue(LISTENING.mayNeedGrant("billing/eu/*"));
        assertTrue(!LISTENING.mayNeedGrant("news"));
        assertTrue(!LISTENING.mayNeedGrant("orders/*"));
        assertTrue(!LISTENING.mayNeedGrant("users/*"));
        assertTrue(!new ListenPolicy(List.of()).mayNeedGrant("*"), "nothing private: * needs nothing");
    }
}
