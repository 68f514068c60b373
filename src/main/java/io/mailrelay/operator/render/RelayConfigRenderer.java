package io.mailrelay.operator.render;

import static java.util.Objects.requireNonNullElse;

import java.io.UncheckedIOException;
import java.math.RoundingMode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import io.fabric8.kubernetes.api.model.Quantity;
import io.mailrelay.api.Authentication;
import io.mailrelay.api.MailRelaySpec;
import io.mailrelay.api.Outbound;
import io.mailrelay.api.Persistence;
import io.mailrelay.api.ServiceSpec;
import io.mailrelay.api.Smarthost;

/** spec → relay.yaml (docs/relay.md). Paths point at the mounts {@link PodTemplateFactory} makes. */
public final class RelayConfigRenderer {

    /** The relay's own default of spool.minFreeSpace (docs/relay.md). */
    static final long DEFAULT_MIN_FREE_SPACE = 100L << 20;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private RelayConfigRenderer() {
    }

    public static String render(MailRelaySpec spec) {
        try {
            return YAML.writeValueAsString(config(spec));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RelayConfig config(MailRelaySpec spec) {
        ServiceSpec service = spec.service;
        boolean proxyProtocol = service != null && Boolean.TRUE.equals(service.proxyProtocol);
        return new RelayConfig(
                new RelayConfig.Server(RelayPod.SMTP_PORT, spec.hostname, proxyProtocol,
                        proxyProtocol ? service.trustedProxies : null),
                spec.allowedNetworks, spec.localDomains, authentication(spec.authentication),
                spec.tls == null ? null
                        : new RelayConfig.Tls(RelayPod.TLS_DIR + "/tls.crt", RelayPod.TLS_DIR + "/tls.key"),
                outbound(spec.outbound), spec.senderRestrictions, spec.limits,
                new RelayConfig.Spool(RelayPod.SPOOL_DIR, minFreeSpace(spec.persistence)),
                new RelayConfig.Admin(RelayPod.ADMIN_DIR + "/" + RelayPod.ADMIN_TOKEN_KEY),
                new RelayConfig.HandOff(RelayPod.PEER_DIR + "/" + RelayPod.USERS_KEY,
                        RelayPod.PEER_DIR + "/" + RelayPod.USERNAME_KEY, RelayPod.PEER_DIR + "/" + RelayPod.PASSWORD_KEY,
                        spec.tls == null));
    }

    /**
     * The spec's, else the relay's default (100Mi) capped at a tenth of a small spool volume (a claim's
     * request or an emptyDir's sizeLimit: both are persistence.size).
     */
    static Long minFreeSpace(Persistence persistence) {
        if (persistence != null && persistence.minFreeSpace != null) {
            return bytes(persistence.minFreeSpace);
        }
        long tenth = bytes(Persistence.size(persistence)) / 10;
        return tenth < DEFAULT_MIN_FREE_SPACE ? tenth : null;
    }

    private static long bytes(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static RelayConfig.Authentication authentication(Authentication auth) {
        if (auth == null) {
            return null;
        }
        return new RelayConfig.Authentication(RelayPod.AUTH_DIR + "/" + RelayPod.USERS_KEY,
                Boolean.TRUE.equals(auth.allowWithoutTls));
    }

    private static RelayConfig.Outbound outbound(Outbound outbound) {
        if (outbound.mode == Outbound.Mode.mx) {
            return new RelayConfig.Outbound("mx", null);
        }
        Smarthost host = outbound.smarthost;
        boolean credentials = host.credentialsSecret != null;
        return new RelayConfig.Outbound("smarthost", new RelayConfig.Smarthost(host.host,
                requireNonNullElse(host.port, 587),
                requireNonNullElse(host.tls, Smarthost.TlsMode.required).name(),
                requireNonNullElse(host.verifyCertificate, true),
                credentials ? RelayPod.SMARTHOST_DIR + "/" + RelayPod.USERNAME_KEY : null,
                credentials ? RelayPod.SMARTHOST_DIR + "/" + RelayPod.PASSWORD_KEY : null));
    }
}
