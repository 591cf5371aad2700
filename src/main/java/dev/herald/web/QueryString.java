package dev.herald.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Refuses a query string whose percent-encoding is broken. Containers differ on such a query: Tomcat answers
 * 400 before Herald sees it, Payara's Grizzly drops the broken parameter and passes the rest on, so
 * {@code ?topic=%} would open a stream with no topic at all. Herald decides for both.
 */
public final class QueryString {

    private QueryString() {
    }

    /** @throws ApiException 400 when a {@code %} is not followed by two hexadecimal digits */
    public static void requireWellFormed(HttpServletRequest request) {
        String raw = request.getQueryString();
        if (raw != null && !isWellFormed(raw)) {
            throw ApiException.badRequest("malformed_query",
                    "every '%' in the query string must be followed by two hexadecimal digits");
        }
    }

    static boolean isWellFormed(String raw) {
        for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 3)) {
            if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
