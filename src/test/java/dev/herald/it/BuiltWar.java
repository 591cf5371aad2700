package dev.herald.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The WAR that {@code mvn package} built, as the integration tests deploy it. */
final class BuiltWar {

    static final String MISCONFIGURED = "misconfigured";
    static final String LIMITED = "limited";
    static final String RETAINED_SMALL = "retained-small";
    static final String ALLOWED_ORIGIN = "https://app.example.com";

    private BuiltWar() {
    }

    /** Exactly the built file, deployed as {@code herald.war}. */
    static WebArchive load() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("herald.war")));
    }

    /** The built WAR as a deployer might misconfigure it: a web.xml sets a history of 0 events (allowed: 1..1000000). */
    static WebArchive misconfigured() {
        return ShrinkWrap.create(WebArchive.class, MISCONFIGURED + ".war").merge(load()).setWebXML(new StringAsset("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param>
                    <param-name>herald.history.size</param-name>
                    <param-value>0</param-value>
                  </context-param>
                </web-app>
                """));
    }

    /**
     * The built WAR with tight limits, as a deployer would set them in a web.xml: 4 streams on the node, 2 per
     * address, 3 events per second (and batches of at most 5, so the bucket holds 5), 127.0.0.1 a trusted proxy, one other origin allowed, streams that last
     * at most 10 seconds.
     */
    static WebArchive limited() {
        return ShrinkWrap.create(WebArchive.class, LIMITED + ".war").merge(load()).setWebXML(new StringAsset("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param><param-name>herald.limits.connections</param-name><param-value>4</param-value></context-param>
                  <context-param><param-name>herald.limits.connections-per-address</param-name><param-value>2</param-value></context-param>
                  <context-param><param-name>herald.limits.publish-per-second</param-name><param-value>3</param-value></context-param>
                  <context-param><param-name>herald.publish.batch-max</param-name><param-value>5</param-value></context-param>
                  <context-param><param-name>herald.trusted-proxies</param-name><param-value>127.0.0.1</param-value></context-param>
                  <context-param><param-name>herald.cors.origins</param-name><param-value>%s</param-value></context-param>
                  <context-param><param-name>herald.stream.max-lifetime</param-name><param-value>10s</param-value></context-param>
                </web-app>
                """.formatted(ALLOWED_ORIGIN)));
    }

    /** The built WAR with at most 3 topics that have a retained event, and at most 2 retained events per stream. */
    static WebArchive retainedSmall() {
        return ShrinkWrap.create(WebArchive.class, RETAINED_SMALL + ".war").merge(load()).setWebXML(new StringAsset("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param><param-name>herald.retained.max-topics</param-name><param-value>3</param-value></context-param>
                  <context-param><param-name>herald.limits.retained-per-stream</param-name><param-value>2</param-value></context-param>
                </web-app>
                """));
    }
}
