package dev.herald.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.auth.JwksServer;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile tokens against a WAR that verifies with an identity provider's JWKS ({@link JwksServer} in this JVM):
 * forged kids, algorithm confusion, huge tokens and claims of the wrong types are refused, and forged kids do not
 * make Herald hammer the provider. One deployment per class: the Payara Micro adapter starts a server per deployment
 * and stops only the last, so a class with two would leave one running.
 */
@ExtendWith(ArquillianExtension.class)
class HostileTokensIT {

    private static final String JWKS = "hostile-jwks";
    private static JwksServer provider;

    @ArquillianResource
    private URL jwksDeployment;

    @Deployment(name = JWKS, testable = false)
    static WebArchive jwksWar() {
        provider = JwksServer.start();
        return BuiltWar.verifyingWith(JWKS, provider, true);
    }

    @AfterAll
    static void stopProvider() {
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    void hostileProviderTokensAre4xxAndForgedKidsMakeAtMostOneFetch() throws Exception {
        // no stream is read here: the Api needs no readers of its own
        Api jwks = new Api(jwksDeployment, null);
        byte[] body = "{\"topic\":\"hostile\",\"data\":1}".getBytes(StandardCharsets.UTF_8);
        JWTClaimsSet claims = provider.claimsWithRoles("herald-publish:hostile").build();
        String valid = provider.sign("rsa-1", JWSAlgorithm.RS256, claims);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        HttpResponse<String> first = jwks.post("api/events", "application/json", body, bearer(valid));
        while (first.statusCode() == 503 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
            first = jwks.post("api/events", "application/json", body, bearer(valid));
        }
        assertEquals(202, first.statusCode(), first.body());

        int fetches = provider.jwksRequests();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String forged = provider.sign(i % 2 == 0 ? "rsa-1" : "ec-1", i % 2 == 0 ? JWSAlgorithm.RS256
                    : JWSAlgorithm.ES256, "forged-" + i, claims);
            HttpResponse<String> answer = i % 3 == 0
                    ? jwks.get("api/events?topic=user/alice&access_token=" + forged, Map.of())
                    : jwks.post("api/events", "application/json", body, bearer(forged));
            boolean refused = answer.statusCode() == 401 && answer.body().contains("\"error\":\"unauthorized\"");
            boolean later = answer.statusCode() == 503 && answer.body().contains("\"error\":\"keys_unavailable\"")
                    && answer.headers().firstValue("Retry-After").isPresent();
            if (!refused && !later) {
                wrong.add(answer.statusCode() + " " + answer.body());
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(provider.jwksRequests() - fetches <= 1, (provider.jwksRequests() - fetches)
                + " fetches for 40 forged kids");

        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims);
        confused.sign(new MACSigner(provider.publicKeyBytes("rsa-1")));
        String signed = provider.sign("rsa-1", JWSAlgorithm.RS256, claims);
        Map<String, String> unauthorized = new LinkedHashMap<>();
        unauthorized.put("HS256 signed with the RSA public key", confused.serialize());
        unauthorized.put("alg none", new PlainJWT(claims).serialize());
        unauthorized.put("RS256 header without signature", signed.substring(0, signed.lastIndexOf('.') + 1));
        unauthorized.put("aud a number", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().claim("aud", 42).build()));
        unauthorized.put("no aud", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().audience((String) null).build()));
        unauthorized.put("sub a number", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().claim("sub", 7).build()));
        unauthorized.put("exp a string", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().claim("exp", "soon").build()));
        unauthorized.put("herald a string", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().claim("herald", "*").build()));
        unauthorized.put("roles not a list", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().claim("realm_access", Map.of("roles", "herald-publish:*")).build()));
        unauthorized.put("roles of numbers", provider.sign("rsa-1", JWSAlgorithm.RS256,
                provider.claims().claim("realm_access", Map.of("roles", List.of(1, 2))).build()));
        unauthorized.put("17 KiB", signed + Base64URL.encode(new byte[13 * 1024]));
        for (Map.Entry<String, String> token : unauthorized.entrySet()) {
            HttpResponse<String> answer = jwks.post("api/events", "application/json", body, bearer(token.getValue()));
            if (token.getValue().length() < 8000) {
                assertEquals(401, answer.statusCode(), token.getKey() + ": " + answer.body());
                assertTrue(answer.body().contains("\"error\":\"unauthorized\""), token.getKey() + ": " + answer.body());
            } else {
                // past the container's header limit (8 KiB on Tomcat) the container itself refuses
                assertTrue(answer.statusCode() >= 400 && answer.statusCode() < 500, token.getKey() + ": "
                        + answer.statusCode());
            }
        }

        String huge = signed + Base64URL.encode(new byte[100 * 1024]);
        String path = URI.create(jwks.uri("api/events").toString()).getRawPath();
        List<String> oversized = List.of(
                "GET " + path + "?topic=t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + huge + "\r\n\r\n",
                "GET " + path + "?topic=t HTTP/1.1\r\nHost: x\r\nCookie: herald_token=" + huge + "\r\n\r\n",
                "GET " + path + "?topic=t&access_token=" + huge + " HTTP/1.1\r\nHost: x\r\n\r\n");
        for (String request : oversized) {
            int status = RawHttp.status(jwks.uri(""), request.getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(status >= 400 && status < 500, status + " for " + request.substring(0, 60));
        }
        HttpResponse<String> still = jwks.post("api/events", "application/json", body, bearer(valid));
        assertEquals(202, still.statusCode(), "still serving after the hostile tokens: " + still.body());
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }
}
