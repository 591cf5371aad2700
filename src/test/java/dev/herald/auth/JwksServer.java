package dev.herald.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An identity provider for tests, on 127.0.0.1 (a free port): a JWKS at {@code /realms/herald/jwks} and the
 * issuer's discovery document, made from Nimbus-generated RSA and EC keys, counting the requests for each. It
 * signs tokens with its private keys. Used by unit tests and by the integration tests' JVM alike (one classpath).
 */
public final class JwksServer implements AutoCloseable {

    public static final String AUDIENCE = "herald-tests";
    private static final String REALM = "/realms/herald";

    private final InetSocketAddress address;
    private HttpServer server;
    /** The keys it publishes, private parts included; the JWKS serves their public halves. */
    private final List<JWK> published = new CopyOnWriteArrayList<>();
    /** Every key ever made here, published or not, to sign with. */
    private final Map<String, JWK> made = new ConcurrentHashMap<>();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final AtomicInteger discoveryRequests = new AtomicInteger();
    private final AtomicBoolean up = new AtomicBoolean(true);

    private JwksServer(HttpServer server) {
        this.server = server;
        this.address = server.getAddress();
    }

    /** Started, publishing one RSA key {@code rsa-1} and one EC P-256 key {@code ec-1}. */
    public static JwksServer start() {
        JwksServer jwks = new JwksServer(listening(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        jwks.serve();
        jwks.publish(jwks.rsa("rsa-1"));
        jwks.publish(jwks.ec("ec-1"));
        return jwks;
    }

    private static HttpServer listening(InetSocketAddress address) {
        try {
            return HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve() {
        server.createContext(REALM + "/jwks", this::jwks);
        server.createContext(REALM + "/.well-known/openid-configuration", this::discovery);
        server.start();
    }

    /** Stops listening: connections to the provider are refused, as when it is down for good. */
    public synchronized void stop() {
        server.stop(0);
    }

    /** Listens again, on the same port, with the same keys. */
    public synchronized void restart() {
        server = listening(address);
        serve();
    }

    public String issuer() {
        return "http://127.0.0.1:" + address.getPort() + REALM;
    }

    public String jwksUri() {
        return issuer() + "/jwks";
    }

    /** JWKS requests answered or refused so far. */
    public int jwksRequests() {
        return jwksRequests.get();
    }

    public int discoveryRequests() {
        return discoveryRequests.get();
    }

    /** Down: every request is answered 503, as a provider restarting would. */
    public void down() {
        up.set(false);
    }

    public void up() {
        up.set(true);
    }

    /** A new 2048-bit RSA key, not yet published. */
    public JWK rsa(String kid) {
        try {
            return remember(new RSAKeyGenerator(2048).keyID(kid).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new EC key on P-256, not yet published. */
    public JWK ec(String kid) {
        try {
            return remember(new ECKeyGenerator(Curve.P_256).keyID(kid).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private JWK remember(JWK key) {
        made.put(key.getKeyID(), key);
        return key;
    }

    public void publish(JWK key) {
        published.add(key);
    }

    /** Publishes the key {@code kid} made here before, unless it is published already. */
    public void publishMade(String kid) {
        if (published.stream().noneMatch(key -> key.getKeyID().equals(kid))) {
            published.add(made.get(kid));
        }
    }

    public void unpublish(String kid) {
        published.removeIf(key -> key.getKeyID().equals(kid));
    }

    /** Claims as the provider issues them for Herald: its issuer, the audience, a subject, five minutes' life. */
    public JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(issuer()).audience(AUDIENCE).subject("alice")
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))));
    }

    /** Claims with these roles at {@code realm_access.roles}, as Keycloak puts them. */
    public JWTClaimsSet.Builder claimsWithRoles(String... roles) {
        return claims().claim("realm_access", Map.of("roles", List.of(roles)));
    }

    /** Signed with the key {@code kid} made here, in {@code algorithm}, the header naming {@code kid}. */
    public String sign(String kid, JWSAlgorithm algorithm, JWTClaimsSet claims) {
        return sign(kid, algorithm, kid, claims);
    }

    /** Signed with the key {@code kid}, the header naming {@code headerKid} (null: no kid). */
    public String sign(String kid, JWSAlgorithm algorithm, String headerKid, JWTClaimsSet claims) {
        JWK key = made.get(kid);
        try {
            JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(headerKid).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key {@code kid}'s encoded bytes, as an attacker would find them in the JWKS. */
    public byte[] publicKeyBytes(String kid) {
        try {
            JWK key = made.get(kid);
            return key instanceof RSAKey rsa ? rsa.toPublicKey().getEncoded() : ((ECKey) key).toPublicKey().getEncoded();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private void jwks(HttpExchange exchange) throws IOException {
        jwksRequests.incrementAndGet();
        answer(exchange, new JWKSet(List.copyOf(published)).toPublicJWKSet().toString());
    }

    private void discovery(HttpExchange exchange) throws IOException {
        discoveryRequests.incrementAndGet();
        answer(exchange, JSONObjectUtils.toJSONString(Map.of("issuer", issuer(), "jwks_uri", jwksUri())));
    }

    private void answer(HttpExchange exchange, String json) throws IOException {
        try (exchange) {
            boolean answering = up.get();
            byte[] body = (answering ? json : "{\"error\":\"down\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answering ? 200 : 503, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public synchronized void close() {
        server.stop(0);
    }
}
