package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The DNS TXT record that publishes one DKIM key. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DkimRecordStatus {
    @JsonPropertyDescription("The signing domain.")
    public String domain;

    @JsonPropertyDescription("The selector.")
    public String selector;

    @JsonPropertyDescription("The Secret holding the private key.")
    public String secretName;

    @JsonPropertyDescription("Where to publish the TXT record: <selector>._domainkey.<domain>.")
    public String name;

    @JsonPropertyDescription("The TXT record to publish: v=DKIM1; k=rsa|ed25519; p=<public key>.")
    public String record;

    @JsonPropertyDescription("Why there is no record (the Secret is missing or holds no usable key).")
    public String problem;
}
