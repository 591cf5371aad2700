package dev.herald.auth;

import dev.herald.config.HeraldConfig;
import dev.herald.history.Topics;
import dev.herald.web.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * Who may do what in this deployment, asked by the resources: it reads a request's {@link Credentials} once,
 * verifies a token, and applies the policies ({@link PublishPolicy}, {@link ListenPolicy}, {@link AdminPolicy}),
 * turning a refusal into a 401 (nobody Herald knows) or a 403 (not this caller). With {@code herald.open=true},
 * anyone may do anything: a developer's machine.
 */
public final class Access {

    /** The container role that may publish, as the deployer maps it to users (a Tomcat realm, Payara's security). */
    public static final String PUBLISHER_ROLE = "herald-publisher";
    private static final Logger LOG = Logger.getLogger(Access.class.getName());

    private final boolean open;
    private final TokenVerifier verifier;
    private final ListenPolicy listening;
    private final ClientAddress addresses;

    Access(boolean open, TokenVerifier verifier, ListenPolicy listening, ClientAddress addresses) {
        this.open = open;
        this.verifier = verifier;
        this.listening = listening;
        this.addresses = addresses;
    }

    /**
     * From the configuration, read once, with the identity provider's keys when it names one (else null); an
     * unusable key stops the deployment.
     */
    public static Access of(HeraldConfig config, ClientAddress addresses, ProviderKeys provider) {
        Access access = new Access(config.open(), TokenVerifier.of(config, provider),
                new ListenPolicy(config.privateTopics().stream().map(TopicPattern::new).toList()), addresses);
        if (access.open) {
            LOG.warning("herald.open=true: ANYONE can publish, see presence and list clients. Never on a server "
                    + "others can reach; see docs/security.md");
        } else if (access.verifier == null) {
            LOG.info("no herald.jwt.secret, herald.jwt.public-key, herald.jwt.jwks-uri or herald.jwt.issuer: only "
                    + "users with the container role " + PUBLISHER_ROLE + " can publish");
        }
        return access;
    }

    public boolean isOpen() {
        return open;
    }

    /**
     * Who is publishing, or a 401 when nobody Herald accepts: checked before the body is read. Which topic they
     * may publish to is {@link Publisher#check}'s question, once the body has named it.
     */
    public Publisher publisher(HttpServletRequest request) {
        if (open) {
            return new Publisher(Caller.ANYONE, "address:" + addresses.of(request));
        }
        Credentials credentials = Credentials.of(request);
        Caller caller;
        if (credentials.headerToken() != null) {
            caller = Caller.token(verify(credentials.headerToken()));
        } else if (credentials.containerUser() != null) {
            caller = Caller.user(credentials.containerUser());
        } else {
            throw refused(PublishPolicy.decide(Caller.NOBODY, null));
        }
        String who = caller.user() != null ? "user:" + caller.user().name()
                : caller.grants().subject() != null ? "subject:" + caller.grants().subject()
                : "address:" + addresses.of(request);
        return new Publisher(caller, who);
    }

    /** A caller known to Herald; {@code who} names it for the publish rate limit. */
    public record Publisher(Caller caller, String who) {

        /** Refuses with 403 unless this caller may publish to {@code topic} (null: an event without a topic). */
        public void check(String topic) {
            Verdict verdict = PublishPolicy.decide(caller, topic);
            if (!verdict.allowed()) {
                throw refused(verdict);
            }
        }
    }

    /**
     * Who is subscribing: a token from the header, the cookie or the query parameter (an invalid one is a 401,
     * whatever the topic, so the client learns to fetch a new one), else the container's user, else nobody.
     */
    public Listener listener(HttpServletRequest request) {
        if (open) {
            return new Listener(Caller.ANYONE, listening);
        }
        Credentials credentials = Credentials.of(request);
        if (credentials.listeningToken() != null) {
            return new Listener(Caller.token(verify(credentials.listeningToken())), listening);
        }
        Credentials.ContainerUser user = credentials.containerUser();
        return new Listener(user == null ? Caller.NOBODY : Caller.user(user), listening);
    }

    /** A subscriber, and the rules it is held to. */
    public record Listener(Caller caller, ListenPolicy policy) {

        /** When the stream must end: the token's expiry, or null. */
        public Instant expiresAt() {
            return caller.expiresAt();
        }

        /**
         * Whether this subscriber may get events of {@code topic}, as it could subscribe to it by name: how a
         * wildcard subscription is filtered, where a refusal would be the wrong answer.
         */
        public boolean mayListen(String topic) {
            return policy.allows(caller, topic);
        }

        /**
         * Whether {@code topic} is private (or Herald's own), so that {@link #mayListen} can say no: the same answer
         * for every listener of a deployment, so a router asks once per event and asks each subscriber only then.
         */
        public boolean needsGrant(String topic) {
            return policy.needsGrant(topic);
        }

        /** Refuses with 401 (a token would help) or 403 (this token does not grant it). */
        public void check(String topic) {
            Verdict verdict = policy.decide(caller, topic);
            if (!verdict.allowed()) {
                throw refused(verdict);
            }
        }
    }

    /** May this caller act on clients ({@code DELETE /api/clients/{id}})? 401 without credentials, 403 otherwise. */
    public void checkAdmin(HttpServletRequest request) {
        if (open) {
            return;
        }
        Credentials credentials = Credentials.of(request);
        Caller caller;
        if (credentials.headerToken() != null) {
            caller = Caller.token(verify(credentials.headerToken()));
        } else {
            Credentials.ContainerUser user = credentials.containerUser();
            caller = user == null ? Caller.NOBODY : Caller.user(user);
        }
        Verdict verdict = AdminPolicy.decide(caller);
        if (!verdict.allowed()) {
            throw refused(verdict);
        }
    }

    /** May this caller see who is connected ({@code $presence}, {@code GET /api/clients}, the metrics)? */
    public void checkPresence(HttpServletRequest request) {
        listener(request).check(Topics.PRESENCE);
    }

    private Grants verify(String token) {
        if (verifier == null) {
            throw unauthorized("this server accepts no tokens: none of herald.jwt.secret, herald.jwt.public-key, "
                    + "herald.jwt.jwks-uri, herald.jwt.issuer is set", "invalid_token");
        }
        try {
            return verifier.verify(token);
        } catch (InvalidTokenException e) {
            throw unauthorized(e.getMessage(), "invalid_token");
        } catch (KeysUnavailableException e) {
            throw keysUnavailable(e);
        }
    }

    /**
     * The token may be valid, but its key cannot be had now: a 503 the client retries after {@code Retry-After}, not
     * a 401 that would make it throw its token away.
     */
    static ApiException keysUnavailable(KeysUnavailableException e) {
        return new ApiException(503, "keys_unavailable", e.getMessage())
                .withHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
    }

    private static ApiException refused(Verdict verdict) {
        return verdict.kind() == Verdict.Kind.UNKNOWN_CALLER ? unauthorized(verdict.reason(), null)
                : new ApiException(403, "forbidden", verdict.reason());
    }

    /** RFC 6750: a 401 names the scheme, and the error when a token was sent. */
    static ApiException unauthorized(String reason, String tokenError) {
        String challenge = "Bearer realm=\"herald\"" + (tokenError == null ? "" : ", error=\"" + tokenError + "\"");
        return new ApiException(401, "unauthorized", reason).withHeader("WWW-Authenticate", challenge);
    }
}
