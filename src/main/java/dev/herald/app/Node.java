package dev.herald.app;

import dev.herald.auth.Access;
import dev.herald.auth.ClientAddress;
import dev.herald.auth.ProviderKeys;
import dev.herald.backbone.Backbone;
import dev.herald.backbone.Backbones;
import dev.herald.config.HeraldConfig;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.publish.PublishRate;
import dev.herald.stream.Delivery;
import dev.herald.stream.Hub;
import dev.herald.stream.Sweep;
import dev.herald.web.Components;
import jakarta.servlet.ServletContext;
import java.time.Clock;
import java.time.Duration;

/**
 * One deployment of Herald: makes its parts in order, puts them where the web boundary finds them, and closes
 * them in the reverse order. The one owner of every thread and connection Herald has.
 */
final class Node implements AutoCloseable {

    private final Backbone backbone;
    private final HeraldMetrics metrics;
    private final Delivery delivery;
    private final Hub hub;
    private final Sweep sweep;
    /** The identity provider's keys and their thread, or null without a provider. */
    private final ProviderKeys providerKeys;

    private Node(Backbone backbone, HeraldMetrics metrics, Delivery delivery, Hub hub, Sweep sweep,
            ProviderKeys providerKeys) {
        this.backbone = backbone;
        this.metrics = metrics;
        this.delivery = delivery;
        this.hub = hub;
        this.sweep = sweep;
        this.providerKeys = providerKeys;
    }

    static Node start(HeraldConfig config, ServletContext context) {
        ClientAddress addresses = new ClientAddress(config.limits().trustedProxies());
        // first: a key Herald cannot use stops the deployment before any thread starts
        ProviderKeys providerKeys = ProviderKeys.of(config);
        Access access = Access.of(config, addresses, providerKeys);
        Clock clock = Clock.systemUTC();
        Backbone backbone = Backbones.of(config);
        HeraldMetrics metrics = new HeraldMetrics(backbone.node());
        Delivery delivery = Delivery.withOwnThreads(metrics);
        Hub hub = new Hub(config, clock, backbone, delivery, metrics);
        metrics.gauge("herald.connections", "streams open on this node", hub::localClientCount);
        backbone.start(hub);
        Sweep sweep = new Sweep(clock, Duration.ofSeconds(config.heartbeatSeconds()));
        sweep.start(hub);
        Components.put(context, HeraldConfig.class, config);
        Components.put(context, ClientAddress.class, addresses);
        Components.put(context, Access.class, access);
        Components.put(context, PublishRate.class,
                new PublishRate(config.limits().publishPerSecond(), config.batch().maxEvents()));
        Components.put(context, HeraldMetrics.class, metrics);
        Components.put(context, Hub.class, hub);
        if (providerKeys != null) {
            Components.put(context, ProviderKeys.class, providerKeys);
            // last, and not awaited: nothing after it can fail the start and leave its thread running
            providerKeys.start();
        }
        return new Node(backbone, metrics, delivery, hub, sweep, providerKeys);
    }

    /** Ends every stream, then stops the threads and connections that served them. */
    @Override
    public void close() {
        if (providerKeys != null) {
            providerKeys.close();
        }
        sweep.close();
        hub.close();
        backbone.close();
        delivery.close();
        metrics.close();
    }
}
