package dev.herald.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One realm of the test Keycloak, set up through the admin REST API as an administrator would in its console. */
final class KeycloakRealm {

    private final KeycloakForTests keycloak;
    private final String name;
    private final String admin;

    KeycloakRealm(KeycloakForTests keycloak, String name) {
        this.keycloak = keycloak;
        this.name = name;
        this.admin = "admin/realms/" + name;
    }

    String issuer() {
        return keycloak.issuer(name);
    }

    /** Realm roles, e.g. {@code herald-publish:news/*}. */
    void roles(String... roles) throws IOException, InterruptedException {
        for (String role : roles) {
            keycloak.created(admin + "/roles", Map.of("name", role));
        }
    }

    /**
     * A confidential client with a service account (the client-credentials grant: a backend), secret
     * {@code <clientId>-secret}, with {@code mappers} and the realm {@code roles} mapped to its service account.
     */
    void backend(String clientId, List<Map<String, Object>> mappers, String... roles)
            throws IOException, InterruptedException {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("clientId", clientId);
        client.put("enabled", true);
        client.put("protocol", "openid-connect");
        client.put("publicClient", false);
        client.put("secret", clientId + "-secret");
        client.put("serviceAccountsEnabled", true);
        client.put("standardFlowEnabled", false);
        client.put("directAccessGrantsEnabled", false);
        client.put("protocolMappers", mappers);
        String id = keycloak.created(admin + "/clients", client);
        String serviceAccount = keycloak.get(admin + "/clients/" + id + "/service-account-user").get("id").asText();
        grant(serviceAccount, roles);
    }

    /**
     * A public client for people, with the password grant so that a test can log a user in without a browser (a
     * page would use the authorization code flow with PKCE instead).
     */
    void browserClient(String clientId, List<Map<String, Object>> mappers) throws IOException, InterruptedException {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("clientId", clientId);
        client.put("enabled", true);
        client.put("protocol", "openid-connect");
        client.put("publicClient", true);
        client.put("standardFlowEnabled", true);
        client.put("redirectUris", List.of("http://127.0.0.1/*"));
        client.put("directAccessGrantsEnabled", true);
        client.put("protocolMappers", mappers);
        keycloak.created(admin + "/clients", client);
    }

    /** A user with password {@code <username>-password} and a complete profile; its id, which its tokens carry as {@code sub}. */
    String user(String username) throws IOException, InterruptedException {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("username", username);
        user.put("enabled", true);
        user.put("email", username + "@example.com");
        user.put("emailVerified", true);
        user.put("firstName", username);
        user.put("lastName", "Tester");
        user.put("credentials", List.of(Map.of("type", "password", "value", username + "-password", "temporary", false)));
        return keycloak.created(admin + "/users", user);
    }

    private void grant(String userId, String... roles) throws IOException, InterruptedException {
        if (roles.length == 0) {
            return;
        }
        List<JsonNode> mapped = new ArrayList<>();
        for (JsonNode role : keycloak.get(admin + "/roles?max=1000")) {
            if (List.of(roles).contains(role.get("name").asText())) {
                mapped.add(role);
            }
        }
        if (mapped.size() != roles.length) {
            throw new AssertionError("not every role exists: " + List.of(roles));
        }
        keycloak.done("POST", admin + "/users/" + userId + "/role-mappings/realm", mapped);
    }

    /** A backend's access token (client credentials). */
    String backendToken(String clientId) throws IOException, InterruptedException {
        return keycloak.token(name, Map.of("grant_type", "client_credentials", "client_id", clientId,
                "client_secret", clientId + "-secret"));
    }

    /** A user's access token through {@code clientId} (the password grant). */
    String userToken(String clientId, String username) throws IOException, InterruptedException {
        return keycloak.token(name, Map.of("grant_type", "password", "client_id", clientId, "username", username,
                "password", username + "-password"));
    }

    /**
     * Adds an RSA signing key that outranks every key there is (a higher {@code priority}): new tokens are signed
     * with it from now on, and the older keys stay published, so tokens they signed stay valid. Its kid.
     */
    String rotateKey(String componentName) throws IOException, InterruptedException {
        int top = 0;
        for (JsonNode key : keys().get("keys")) {
            top = Math.max(top, key.path("providerPriority").asInt());
        }
        Map<String, Object> component = new LinkedHashMap<>();
        component.put("name", componentName);
        component.put("providerId", "rsa-generated");
        component.put("providerType", "org.keycloak.keys.KeyProvider");
        component.put("parentId", keycloak.get(admin).get("id").asText());
        component.put("config", Map.of("priority", List.of(Integer.toString(top + 100)),
                "algorithm", List.of("RS256"), "keySize", List.of("2048")));
        keycloak.created(admin + "/components", component);
        return activeKid();
    }

    /** The kid that new RS256 tokens carry. */
    String activeKid() throws IOException, InterruptedException {
        return keys().get("active").get("RS256").asText();
    }

    /** Removes the key component that holds {@code kid}: tokens it signed no longer verify anywhere. */
    void removeKey(String kid) throws IOException, InterruptedException {
        for (JsonNode key : keys().get("keys")) {
            if (kid.equals(key.path("kid").asText())) {
                keycloak.done("DELETE", admin + "/components/" + key.get("providerId").asText(), null);
                return;
            }
        }
        throw new AssertionError("no key " + kid + " in realm " + name);
    }

    private JsonNode keys() throws IOException, InterruptedException {
        return keycloak.get(admin + "/keys");
    }

    /** The kid in a token's header. */
    static String kid(String token) {
        try {
            return SignedJWT.parse(token).getHeader().getKeyID();
        } catch (ParseException e) {
            throw new AssertionError("not a JWT: " + e.getMessage(), e);
        }
    }

    /** An {@code oidc-audience-mapper}: the access token's {@code aud} names {@code audience}. */
    static Map<String, Object> audienceMapper(String audience) {
        return Map.of("name", "audience " + audience, "protocol", "openid-connect",
                "protocolMapper", "oidc-audience-mapper",
                "config", Map.of("included.custom.audience", audience, "access.token.claim", "true",
                        "id.token.claim", "false", "introspection.token.claim", "true"));
    }

    /** An {@code oidc-hardcoded-claim-mapper}: the access token carries {@code claim} with this JSON value. */
    static Map<String, Object> jsonClaimMapper(String claim, String json) {
        return Map.of("name", "claim " + claim, "protocol", "openid-connect",
                "protocolMapper", "oidc-hardcoded-claim-mapper",
                "config", Map.of("claim.name", claim, "claim.value", json, "jsonType.label", "JSON",
                        "access.token.claim", "true", "id.token.claim", "false", "userinfo.token.claim", "false",
                        "introspection.token.claim", "true"));
    }
}
