package dev.herald.it;

import dev.herald.auth.JwksServer;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The WAR that {@code mvn package} built, as the integration tests deploy it: the built file, with a web.xml that
 * sets its context parameters, as a deployer would. Each WAR carries its own settings, so no JVM-wide system
 * property leaks from one deployment into another in the same server (a WAR that verifies tokens with a JWKS must not
 * also see the test secret: Herald refuses more than one key source).
 */
final class BuiltWar {

    static final String MISCONFIGURED = "misconfigured";
    static final String LIMITED = "limited";
    static final String RETAINED_SMALL = "retained-small";
    static final String ALLOWED_ORIGIN = "https://app.example.com";

    private BuiltWar() {
    }

    /** The built WAR as {@code herald.war}, verifying tokens with the test secret ({@link Tokens#SECRET}). */
    static WebArchive load() {
        return configured("herald", Map.of());
    }

    /**
     * The built WAR as {@code <name>.war}, with the test secret and {@code parameters} (which win over it; a
     * parameter given as null is left out, so {@code herald.jwt.secret=null} deploys a WAR without the secret).
     */
    static WebArchive configured(String name, Map<String, String> parameters) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("herald.jwt.secret", Tokens.SECRET);
        all.putAll(parameters);
        StringBuilder xml = new StringBuilder("<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n");
        all.forEach((key, value) -> {
            if (value != null) {
                xml.append("  <context-param><param-name>").append(key).append("</param-name><param-value>")
                        .append(escaped(value)).append("</param-value></context-param>\n");
            }
        });
        xml.append("</web-app>\n");
        return ShrinkWrap.create(WebArchive.class, name + ".war").merge(built()).setWebXML(new StringAsset(xml.toString()));
    }

    /**
     * The built WAR as {@code <name>.war}, verifying tokens with {@code provider}'s keys instead of the test secret:
     * found from its issuer's discovery document, or (with {@code jwksUri}) from its JWKS URI named directly.
     * Roles are read at {@code realm_access.roles}, where Keycloak puts them.
     */
    static WebArchive verifyingWith(String name, JwksServer provider, boolean jwksUri) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("herald.jwt.secret", null);
        if (jwksUri) {
            settings.put("herald.jwt.jwks-uri", provider.jwksUri());
        }
        settings.put("herald.jwt.issuer", provider.issuer());
        settings.put("herald.jwt.audience", JwksServer.AUDIENCE);
        settings.put("herald.jwt.roles-claim", "realm_access.roles");
        return configured(name, settings);
    }

    /** Exactly the file {@code mvn package} built. */
    private static WebArchive built() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("herald.war")));
    }

    private static String escaped(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** The built WAR as a deployer might misconfigure it: a web.xml sets a history of 0 events (allowed: 1..1000000). */
    static WebArchive misconfigured() {
        return configured(MISCONFIGURED, Map.of("herald.history.size", "0"));
    }

    /**
     * The built WAR with tight limits, as a deployer would set them in a web.xml: 4 streams on the node, 2 per
     * address, 3 events per second (and batches of at most 5, so the bucket holds 5), 127.0.0.1 a trusted proxy, one
     * other origin allowed, streams that last at most 10 seconds.
     */
    static WebArchive limited() {
        Map<String, String> limits = new LinkedHashMap<>();
        limits.put("herald.limits.connections", "4");
        limits.put("herald.limits.connections-per-address", "2");
        limits.put("herald.limits.publish-per-second", "3");
        limits.put("herald.publish.batch-max", "5");
        limits.put("herald.trusted-proxies", "127.0.0.1");
        limits.put("herald.cors.origins", ALLOWED_ORIGIN);
        limits.put("herald.stream.max-lifetime", "10s");
        return configured(LIMITED, limits);
    }

    /** The built WAR with at most 3 topics that have a retained event, and at most 2 retained events per stream. */
    static WebArchive retainedSmall() {
        return configured(RETAINED_SMALL, Map.of("herald.retained.max-topics", "3",
                "herald.limits.retained-per-stream", "2"));
    }
}
