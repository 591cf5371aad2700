package dev.herald.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The WAR that {@code mvn package} built, as the integration tests deploy it. */
final class BuiltWar {

    static final String MISCONFIGURED = "misconfigured";

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
}
