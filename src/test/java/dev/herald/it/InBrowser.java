package dev.herald.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Tests that drive a real headless Chromium against the deployed WAR: one browser per test class. */
abstract class InBrowser extends DeployedWar {

    protected static Browser browser;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.startIfInstalled();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    /** Runs first: a test without a browser is reported as skipped, naming the packages to install. */
    @BeforeEach
    void requireBrowser() {
        Browser.assumeInstalled();
    }
}
