package io.mailrelay.operator.render;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.mailrelay.api.Limits;
import io.mailrelay.api.LocalDomain;
import io.mailrelay.api.SenderRestrictions;

/**
 * The relay's configuration file (docs/relay.md), as the operator writes it. Field names are the
 * contract; {@link Limits}, {@link LocalDomain} (recipientCheck and recipients included) and
 * {@link SenderRestrictions} are reused from the CRD because their fields are the same by design.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RelayConfig(Server server, List<String> allowedNetworks, List<LocalDomain> localDomains,
        Authentication authentication, Tls tls, Outbound outbound, SenderRestrictions senderRestrictions,
        Limits limits, Spool spool, Admin admin, HandOff handOff) {

    /**
     * The hand-off between replicas: the mounted {@code <name>-peer} Secret; without TLS the peer user may AUTH in
     * clear text (pod to pod, admitted by the NetworkPolicy only from the relay's own pods and the allowed clients).
     */
    public record HandOff(String usersFile, String usernameFile, String passwordFile, boolean allowWithoutTls) {
    }

    /** @param tokenFile the mounted admin Secret */
    public record Admin(String tokenFile) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Server(int port, String hostname, boolean proxyProtocol, List<String> trustedProxies) {
    }

    public record Authentication(String usersFile, boolean allowWithoutTls) {
    }

    public record Tls(String certificateFile, String keyFile) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outbound(String mode, Smarthost smarthost) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Smarthost(String host, int port, String tls, boolean verifyCertificate, String usernameFile,
            String passwordFile) {
    }

    /** @param minFreeSpace bytes; null: the relay's default */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spool(String directory, Long minFreeSpace) {
    }
}
