package dev.herald.backbone;

import dev.herald.backbone.redis.RedisBackbone;
import dev.herald.config.HeraldConfig;

/** The backbone the configuration asks for: Redis when {@code herald.redis.uri} is set, memory otherwise. */
public final class Backbones {

    private Backbones() {
    }

    public static Backbone of(HeraldConfig config) {
        return config.redisUri() == null
                ? new InMemoryBackbone(config.historySize(), config.retainedMaxTopics())
                : new RedisBackbone(config.redisUri(), config.historySize(), config.historyMaxAgeSeconds() * 1000L,
                        config.retainedMaxTopics());
    }
}
