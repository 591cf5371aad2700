package dev.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeraldConfigTest {

    @Test
    void usesTheDocumentedDefaultsWhenNothingIsSet() {
        HeraldConfig config = HeraldConfig.read(key -> null);

        assertEquals(new HeraldConfig(3000, 15, 10_000, 64, 65_536, 1000, null, false, null, null, List.of("user/*"),
                new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
                new HeraldConfig.Batch(100, 1_048_576), 100_000, 1000), config);
    }

    @Test
    void readsEachKeyTyped() {
        Map<String, String> values = Map.of(
                "herald.retry.ms", "5000",
                "herald.heartbeat.seconds", " 2 ",
                "herald.history.size", "7",
                "herald.limits.topics-per-connection", "3",
                "herald.event.max-bytes", "1024",
                "herald.subscriber.queue-size", "9",
                "herald.redis.uri", "redis://127.0.0.1:7000/2",
                "herald.open", "true",
                "herald.jwt.secret", "0123456789abcdef0123456789abcdef",
                "herald.jwt.audience", "herald");
        values = new java.util.HashMap<>(values);
        values.put("herald.topics.private", " ");
        values.put("herald.publish.batch-max", "10");
        values.put("herald.publish.batch-max-bytes", "4096");
        values.put("herald.retained.max-topics", "5");
        values.put("herald.limits.retained-per-stream", "2");
        values.put("herald.jwt.roles-claim", "resource_access.herald.roles");
        values.put("herald.jwt.jwks-refresh-seconds", "60");

        assertEquals(new HeraldConfig(5000, 2, 7, 3, 1024, 9, RedisUri.parse("redis://127.0.0.1:7000/2"), true,
                "0123456789abcdef0123456789abcdef", null, List.of(),
                new HeraldConfig.Limits(20_000, 500, 1000, List.of()), List.of(), 3600, 0,
                new HeraldConfig.Batch(10, 4096), 5, 2,
                new HeraldConfig.Jwt(null, null, "herald", "resource_access.herald.roles", 60)),
                HeraldConfig.read(values::get));
    }

    @Test
    void moreThanOneTokenSourceIsRefusedNamingThem() {
        InvalidConfigException two = assertThrows(InvalidConfigException.class, () -> HeraldConfig.read(Map.of(
                "herald.jwt.secret", "0123456789abcdef0123456789abcdef",
                "herald.jwt.jwks-uri", "https://id.example.com/jwks", "herald.jwt.audience", "herald")::get));
        assertTrue(two.getMessage().contains("herald.jwt.secret, herald.jwt.jwks-uri"), two.getMessage());
        assertTrue(!two.getMessage().contains("0123456789abcdef"), "the secret is not echoed");

        InvalidConfigException keyAndIssuer = assertThrows(InvalidConfigException.class, () -> HeraldConfig.read(
                Map.of("herald.jwt.public-key", "/etc/herald/key.pem", "herald.jwt.issuer", "https://id.example.com",
                        "herald.jwt.audience", "herald")::get));
        assertTrue(keyAndIssuer.getMessage().contains("herald.jwt.public-key, herald.jwt.issuer"),
                keyAndIssuer.getMessage());

        HeraldConfig both = HeraldConfig.read(Map.of("herald.jwt.issuer", "https://id.example.com/realms/a",
                "herald.jwt.jwks-uri", "https://id.example.com/realms/a/certs", "herald.jwt.audience", "herald")::get);
        assertTrue(both.jwt().hasProvider(), "an issuer with its JWKS URI is one source");
    }

    @Test
    void aProviderWithoutAudienceIsRefusedNamingTheKey() {
        for (String key : List.of("herald.jwt.jwks-uri", "herald.jwt.issuer")) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> HeraldConfig.read(Map.of(key, "https://id.example.com/realms/a")::get));
            assertTrue(e.getMessage().startsWith("Invalid Herald configuration herald.jwt.audience:"), e.getMessage());
        }
    }

    @Test
    void providerUrlsRefreshPeriodAndRolesClaimAreChecked() {
        Map<String, String> bad = Map.of(
                "herald.jwt.jwks-uri", "ftp://id.example.com/jwks",
                "herald.jwt.issuer", "https://user:password@id.example.com",
                "herald.jwt.jwks-refresh-seconds", "5",
                "herald.jwt.roles-claim", "realm_access..roles");
        bad.forEach((key, value) -> {
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> HeraldConfig.read(Map.of(key, value, "herald.jwt.audience", "herald")::get), key);
            assertTrue(e.getMessage().contains(key), e.getMessage());
            assertTrue(!e.getMessage().contains("password"), e.getMessage());
        });
    }

    @Test
    void refusesAValueThatIsNotANumberNamingTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> HeraldConfig.read(Map.of("herald.history.size", "lots")::get));

        assertTrue(e.getMessage().contains("herald.history.size"), e.getMessage());
    }

    @Test
    void refusesAValueOutOfRangeNamingTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> HeraldConfig.read(Map.of("herald.heartbeat.seconds", "0")::get));

        assertTrue(e.getMessage().contains("herald.heartbeat.seconds"), e.getMessage());
    }

    @Test
    void systemPropertiesWinOverEnvironmentWhichWinsOverContextParameters() {
        var lookup = ConfigSources.chain(
                Map.of("herald.retry.ms", "1111")::get,
                Map.of("HERALD_RETRY_MS", "2222", "HERALD_HISTORY_SIZE", "33"),
                Map.of("herald.retry.ms", "3333", "herald.history.size", "44", "herald.heartbeat.seconds", "5")::get);

        HeraldConfig config = HeraldConfig.read(lookup);

        assertEquals(1111, config.retryMs());
        assertEquals(33, config.historySize());
        assertEquals(5, config.heartbeatSeconds());
    }

    @Test
    void environmentNamesAreUpperCaseWithUnderscores() {
        assertEquals("HERALD_LIMITS_TOPICS_PER_CONNECTION",
                ConfigSources.environmentName("herald.limits.topics-per-connection"));
    }

    @Test
    void theHookIsUnsetByDefaultAndReadTyped() {
        assertEquals(HeraldConfig.Hook.NONE, HeraldConfig.read(key -> null).hook());
        assertEquals(new HeraldConfig.Hook("https://app.example.com/herald/auth?x=1", 500, 8, 0),
                HeraldConfig.read(Map.of("herald.auth.hook-url", "https://app.example.com/herald/auth?x=1",
                        "herald.auth.hook-timeout-ms", "500", "herald.auth.hook-concurrency", "8",
                        "herald.auth.hook-cache-seconds", "0")::get).hook());
        for (String loopback : List.of("http://127.0.0.1:8080/auth", "http://localhost/auth", "http://[::1]:9/a",
                "http://127.1.2.3/a")) {
            assertEquals(loopback, HeraldConfig.read(Map.of("herald.auth.hook-url", loopback)::get).hook().url());
        }
    }

    @Test
    void aHookUrlThatWouldSendCookiesInClearOrElsewhereIsRefusedNamingTheKey() {
        for (String wrong : List.of("http://app.example.com/auth", "http://10.0.0.1/auth", "ftp://127.0.0.1/a",
                "https://user:pw@app.example.com/a", "https://app.example.com/a#frag", "/relative", "not a url",
                "http://127.0.0.1.example.com/a")) {
            InvalidConfigException refused = assertThrows(InvalidConfigException.class,
                    () -> HeraldConfig.read(Map.of("herald.auth.hook-url", wrong)::get), wrong);
            assertTrue(refused.getMessage().contains("herald.auth.hook-url"), refused.getMessage());
        }
        for (String[] wrong : new String[][] {{"herald.auth.hook-timeout-ms", "0"},
                {"herald.auth.hook-timeout-ms", "30001"}, {"herald.auth.hook-concurrency", "0"},
                {"herald.auth.hook-concurrency", "1025"}, {"herald.auth.hook-cache-seconds", "-1"},
                {"herald.auth.hook-cache-seconds", "3601"}}) {
            InvalidConfigException refused = assertThrows(InvalidConfigException.class,
                    () -> HeraldConfig.read(Map.of(wrong[0], wrong[1])::get));
            assertTrue(refused.getMessage().contains(wrong[0]), refused.getMessage());
        }
    }
}
