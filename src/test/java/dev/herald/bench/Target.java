package dev.herald.bench;

import java.util.Locale;

/** The servers the tool compares, and what differs between them: paths, publish body, and whether streams announce {@code ready}. */
public enum Target {

    /** Herald: stream at {@code {context}/api/events}, publish an envelope there; streams open with welcome … ready. */
    HERALD {
        @Override
        String streamPath(LoadOptions options) {
            return options.context() + "/api/events" + (options.topic() == null ? "" : "?topic=" + options.topic());
        }

        @Override
        String wildcardStreamPath(LoadOptions options) {
            return options.context() + "/api/events?topic=" + options.wildcard();
        }

        @Override
        String publishPath(LoadOptions options) {
            return options.context() + "/api/events";
        }

        @Override
        String publishBody(String payload, LoadOptions options) {
            String topic = options.topic() == null ? "" : "\"topic\":\"" + options.topic() + "\",";
            return "{" + topic + "\"type\":\"bench\",\"data\":" + payload + "}";
        }

        @Override
        boolean announcesReady() {
            return true;
        }
    },

    /** The Node/Express peer: stream and publish at {@code /events}, the same envelope as Herald. */
    EXPRESS {
        @Override
        String streamPath(LoadOptions options) {
            return "/events";
        }

        @Override
        String publishPath(LoadOptions options) {
            return "/events";
        }

        @Override
        String publishBody(String payload, LoadOptions options) {
            return "{\"type\":\"bench\",\"data\":" + payload + "}";
        }
    },

    /** nginx Nchan in EventSource mode: stream at {@code /sub/<channel>}, publish the payload itself to {@code /pub/<channel>}. */
    NCHAN {
        @Override
        String streamPath(LoadOptions options) {
            return "/sub/" + channel(options);
        }

        @Override
        String publishPath(LoadOptions options) {
            return "/pub/" + channel(options);
        }

        @Override
        String publishBody(String payload, LoadOptions options) {
            return payload;
        }

        private String channel(LoadOptions options) {
            return options.topic() == null ? "bench" : options.topic();
        }
    },

    /**
     * The servlet floor ({@code bench/floor}): the least fan-out the servlet API allows, in Herald's Tomcat, with
     * Nchan's paths and body under its own context.
     */
    FLOOR {
        @Override
        String streamPath(LoadOptions options) {
            return NCHAN.streamPath(options);
        }

        @Override
        String publishPath(LoadOptions options) {
            return NCHAN.publishPath(options);
        }

        @Override
        String publishBody(String payload, LoadOptions options) {
            return NCHAN.publishBody(payload, options);
        }
    };

    /** Path of the stream, after the base URI's own path. */
    abstract String streamPath(LoadOptions options);

    /** Path of the stream of a subscriber that subscribes with the wildcard covering the topic (herald only). */
    String wildcardStreamPath(LoadOptions options) {
        throw new UnsupportedOperationException(id() + " has no wildcard subscriptions");
    }

    /** Path to POST events to, after the base URI's own path. */
    abstract String publishPath(LoadOptions options);

    /** The JSON body that publishes one bench payload. */
    abstract String publishBody(String payload, LoadOptions options);

    /** Whether a stream ends its catch-up with a {@code ready} event, which then marks the subscriber as connected. */
    boolean announcesReady() {
        return false;
    }

    /** The name used on the command line and in the report. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Target of(String id) {
        for (Target target : values()) {
            if (target.id().equals(id)) {
                return target;
            }
        }
        throw new IllegalArgumentException("--target must be herald, express, nchan or floor, not " + id);
    }
}
