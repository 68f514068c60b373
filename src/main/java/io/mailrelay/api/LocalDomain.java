package io.mailrelay.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import io.mailrelay.config.RecipientCheck;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.recipientCheck) || self.recipientCheck != 'list' || (has(self.recipients) && size(self.recipients) > 0)",
        message = "recipients is required and must not be empty with recipientCheck list")
@ValidationRule(value = "!has(self.recipients) || (has(self.recipientCheck) && self.recipientCheck == 'list')",
        message = "recipients is only used with recipientCheck list")
@ValidationRule(value = "!has(self.recipients) || self.recipients.all(r, r.lowerAscii().endsWith('@' + self.domain.lowerAscii()))",
        message = "every recipients pattern must be local-part@ this domain")
public class LocalDomain {

    @JsonPropertyDescription("Mail domain accepted from anyone (e.g. example.com).")
    @Required
    @Pattern(Patterns.DOMAIN)
    @Size(max = 253)
    public String domain;

    @JsonPropertyDescription("host:port that mail for the domain is delivered to (e.g. mail.example.com:25, [2001:db8::1]:25).")
    @Required
    @Pattern(Patterns.HOST_PORT)
    @Size(max = 260)
    public String deliverTo;

    @JsonPropertyDescription("How recipients are checked for clients outside allowedNetworks that did not authenticate:"
            + " callout (default: the deliverTo server is asked at RCPT time, like Postfix reject_unverified_recipient),"
            + " list (only the recipients patterns, like relay_recipient_maps) or none (any local part; unsafe:"
            + " backscatter).")
    @Default("callout")
    public RecipientCheck recipientCheck;

    @JsonPropertyDescription("With recipientCheck list: the accepted recipients of this domain, local-part@domain, where *"
            + " in the local part matches anything (*@example.org, sales-*@example.org, bob@example.org);"
            + " compared case-insensitively. At most 200.")
    @Size(max = 200) // bounded for the CEL cost budget; for more, recipientCheck callout asks the server instead
    public List<@Pattern("^[^@\\s]+@[^@\\s]+$") @Size(max = 254) String> recipients;

    public LocalDomain() {
    }

    public LocalDomain(String domain, String deliverTo) {
        this.domain = domain;
        this.deliverTo = deliverTo;
    }
}
