package dev.herald.auth;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;

/**
 * Fetches an identity provider's public keys: its JWKS document, at the configured URI or at the {@code jwks_uri}
 * of the issuer's {@code /.well-known/openid-configuration} (found once, then remembered). Blocking, bounded in time
 * and size, following no redirect: the deployer named the URL, and a redirect could lead Herald to keys served by
 * someone else. One caller at a time ({@link ProviderKeys} holds its lock).
 *
 * <p>{@link HttpURLConnection} rather than {@code java.net.http.HttpClient}: on Java 17 an HttpClient cannot be
 * closed and starts threads of its own that outlive the WAR, which Tomcat reports as leaks at every undeploy.
 */
final class KeyFetcher {

    /** A provider that does not answer a TCP connection within 3 s is down for this attempt. */
    static final int CONNECT_TIMEOUT_MS = 3000;
    /** Between two reads, and the whole answer: a request waiting on a fetch waits at most this. */
    static final int READ_TIMEOUT_MS = 5000;
    /** A JWKS of a few dozen keys is under 50 KiB; a provider gone wrong must not fill the heap. */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final String DISCOVERY = "/.well-known/openid-configuration";

    private final URI configuredJwksUri;
    private final String issuer;
    private volatile URI discoveredJwksUri;

    /** With a JWKS URI (the issuer, if given, is then only checked in tokens), or an issuer to discover it from. */
    KeyFetcher(String jwksUri, String issuer) {
        this.configuredJwksUri = jwksUri == null ? null : URI.create(jwksUri);
        this.issuer = issuer;
    }

    /** The keys the provider publishes now; the private parts, should a provider send any, dropped. */
    JWKSet fetch() throws IOException {
        URI uri = jwksUri();
        try {
            return JWKSet.parse(get(uri)).toPublicJWKSet();
        } catch (ParseException e) {
            throw new IOException(uri + " did not answer a JWKS: " + e.getMessage());
        }
    }

    /** Where the keys are: configured, discovered before, or discovered now from the issuer. */
    URI jwksUri() throws IOException {
        if (configuredJwksUri != null) {
            return configuredJwksUri;
        }
        if (discoveredJwksUri == null) {
            discoveredJwksUri = discover();
        }
        return discoveredJwksUri;
    }

    /** For the log and readiness: the JWKS URI, or the issuer it is still to be discovered from. */
    String describe() {
        URI known = configuredJwksUri != null ? configuredJwksUri : discoveredJwksUri;
        return known != null ? known.toString() : issuer + DISCOVERY;
    }

    /** OpenID Connect Discovery 1.0, section 4: the document's issuer must be exactly the one configured. */
    private URI discover() throws IOException {
        URI document = URI.create((issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
                + DISCOVERY);
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(get(document));
        } catch (ParseException e) {
            throw new IOException(document + " is not a JSON object: " + e.getMessage());
        }
        if (!issuer.equals(json.get("issuer"))) {
            throw new IOException(document + " names the issuer '" + json.get("issuer") + "', not the configured '"
                    + issuer + "' (herald.jwt.issuer must be exactly the provider's issuer)");
        }
        if (!(json.get("jwks_uri") instanceof String jwks)) {
            throw new IOException(document + " has no jwks_uri");
        }
        URI uri;
        try {
            uri = URI.create(jwks);
        } catch (IllegalArgumentException e) {
            throw new IOException(document + " has a jwks_uri that is not a URI");
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IOException(document + " has a jwks_uri that is not an http(s) URL: " + jwks);
        }
        return uri;
    }

    private static String get(URI uri) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
            connection.setReadTimeout(READ_TIMEOUT_MS);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestProperty("Accept", "application/json");
            int status = connection.getResponseCode();
            if (status != 200) {
                String location = connection.getHeaderField("Location");
                throw new IOException(uri + " answered " + status + (location == null ? ""
                        : " (a redirect to " + location + ", which Herald does not follow: configure that URL)"));
            }
            return new String(bounded(connection.getInputStream(), uri), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }

    /** The body, read within {@link #READ_TIMEOUT_MS} in all and {@link #MAX_BODY_BYTES}. */
    private static byte[] bounded(InputStream in, URI uri) throws IOException {
        long deadline = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
        try (in) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                body.write(buffer, 0, read);
                if (body.size() > MAX_BODY_BYTES) {
                    throw new IOException(uri + " answered more than " + MAX_BODY_BYTES + " bytes");
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(uri + " took more than " + READ_TIMEOUT_MS + " ms to answer");
                }
            }
            return body.toByteArray();
        }
    }
}
