package dev.herald.web;

import jakarta.servlet.ServletContext;

/**
 * The parts of one deployment (the hub, the access rules, the configuration...), which the composition root puts
 * in the servlet context when the WAR starts and the web boundary looks up by type. One instance of each per
 * deployment; nothing is static, so a redeploy starts clean.
 */
public final class Components {

    private Components() {
    }

    public static <T> void put(ServletContext context, Class<T> type, T component) {
        context.setAttribute(key(type), component);
    }

    /** The deployment's instance of {@code type}; it is there as long as the WAR is deployed. */
    public static <T> T get(ServletContext context, Class<T> type) {
        Object component = context.getAttribute(key(type));
        if (component == null) {
            throw new IllegalStateException(type.getSimpleName() + " is not in this deployment: Herald did not start");
        }
        return type.cast(component);
    }

    /** The deployment's instance of {@code type}, or null when this deployment has none (an optional part). */
    public static <T> T find(ServletContext context, Class<T> type) {
        return type.cast(context.getAttribute(key(type)));
    }

    private static String key(Class<?> type) {
        return "herald:" + type.getName();
    }
}
