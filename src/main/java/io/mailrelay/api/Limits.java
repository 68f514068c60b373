package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Every limit is optional: unset ones take the relay's defaults (docs/relay.md). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Limits {

    @JsonPropertyDescription("Largest message in bytes, advertised with SIZE and enforced.")
    @Min(1024)
    @Max(1073741824)
    public Long maxMessageSize;

    @JsonPropertyDescription("Most recipients per message.")
    @Min(1)
    @Max(100000)
    public Integer maxRecipients;

    @JsonPropertyDescription("Most simultaneous SMTP connections per pod.")
    @Min(1)
    @Max(100000)
    public Integer maxConnections;

    @JsonPropertyDescription("Most simultaneous SMTP connections per client address.")
    @Min(1)
    @Max(100000)
    public Integer maxConnectionsPerClient;

    @JsonPropertyDescription("Most messages a client address may send per minute.")
    @Min(1)
    @Max(1000000)
    public Integer maxMessagesPerClientPerMinute;

    @JsonPropertyDescription("Failed AUTH attempts before the client address is locked out for authLockout.")
    @Min(1)
    @Max(1000)
    public Integer maxAuthFailures;

    @JsonPropertyDescription("How long a client address stays locked out after maxAuthFailures (e.g. 15m).")
    @Pattern(Patterns.DURATION)
    public String authLockout;

    @JsonPropertyDescription("Longest wait for the next SMTP command (e.g. 5m).")
    @Pattern(Patterns.DURATION)
    public String commandTimeout;

    @JsonPropertyDescription("Longest idle connection (e.g. 5m).")
    @Pattern(Patterns.DURATION)
    public String idleTimeout;

    @JsonPropertyDescription("Error replies in one session before it is ended with 421 (Postfix smtpd_hard_error_limit). Default 20.")
    @Min(1)
    @Max(1000)
    public Integer maxErrors;

    @JsonPropertyDescription("Most Received: headers a message may carry (Postfix hopcount_limit). Default 50.")
    @Min(1)
    @Max(1000)
    public Integer maxHops;

    @JsonPropertyDescription("Longest line of message data in octets, CRLF included; commands stay at 512. Default 65536.")
    @Min(1000)
    @Max(1048576)
    public Integer maxLineLength;

    @JsonPropertyDescription("Most messages being received at once per pod (DATA until committed), all connections "
            + "together; past it DATA gets 421 4.3.2 (Postfix default_process_limit bounds the same). Default 100.")
    @Min(1)
    @Max(100000)
    public Integer maxMessagesInFlight;

    @JsonPropertyDescription("allowedNetworks are exempt from the per-client connection and message rate limits "
            + "(Postfix smtpd_client_event_limit_exceptions). Default true.")
    public Boolean exemptAllowedNetworks;
}
