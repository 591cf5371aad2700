package dev.herald.backbone.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}), so that a publish sends its arguments and not the script's 4 KB
 * of text. Redis keeps scripts until it restarts or {@code SCRIPT FLUSH}; when it answers {@code NOSCRIPT}, the
 * script is sent whole once ({@code EVAL}, which caches it again) and the call goes on.
 */
final class LuaScript {

    private final String text;
    private final String sha1;

    LuaScript(String text) {
        this.text = text;
        this.sha1 = sha1(text);
    }

    /** Runs the script with no keys (Herald's scripts name their keys from the prefix in {@code args}). */
    Object run(Jedis jedis, List<String> args) {
        try {
            return jedis.evalsha(sha1, List.of(), args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(text, List.of(), args);
        }
    }

    String sha1() {
        return sha1;
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }
}
