package dev.herald.config;

import jakarta.servlet.ServletContext;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Where a key is looked up, first found wins: system properties, environment, servlet context parameters. */
public final class ConfigSources {

    private ConfigSources() {
    }

    public static UnaryOperator<String> standard(ServletContext context) {
        return chain(System.getProperties()::getProperty, System.getenv(), context::getInitParameter);
    }

    static UnaryOperator<String> chain(UnaryOperator<String> properties, Map<String, String> environment,
            UnaryOperator<String> contextParameters) {
        return key -> {
            String value = properties.apply(key);
            if (value == null) {
                value = environment.get(environmentName(key));
            }
            if (value == null) {
                value = contextParameters.apply(key);
            }
            return value;
        };
    }

    /** {@code herald.limits.topics-per-connection} is {@code HERALD_LIMITS_TOPICS_PER_CONNECTION}. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
