package dev.herald.config;

/** A configuration value Herald cannot run with; its message names the key. */
public class InvalidConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String key, String problem) {
        super("Invalid Herald configuration " + key + ": " + problem);
    }
}
