package dev.herald.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The built WAR as a deployer might misconfigure it: a web.xml sets a history of 0 events (allowed: 1..1000000). */
final class MisconfiguredWar {

    static final String NAME = "misconfigured";

    private MisconfiguredWar() {
    }

    static WebArchive build() {
        WebArchive built = ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("herald.war")));
        return ShrinkWrap.create(WebArchive.class, NAME + ".war").merge(built).setWebXML(new StringAsset("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param>
                    <param-name>herald.history.size</param-name>
                    <param-value>0</param-value>
                  </context-param>
                </web-app>
                """));
    }
}
