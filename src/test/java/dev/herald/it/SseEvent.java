package dev.herald.it;

/** One event as a browser's EventSource would dispatch it; null fields were absent. */
record SseEvent(String id, String event, String data, Integer retry) {

    String type() {
        return event == null ? "message" : event;
    }

    long sequence() {
        return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
    }
}
