package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import io.mailrelay.config.SmarthostTls;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.clientCertificateSecret) || !has(self.tls) || self.tls != 'none'",
        message = "clientCertificateSecret needs TLS: tls must not be none", fieldPath = ".clientCertificateSecret")
public class Smarthost {

    @JsonPropertyDescription("Host name of the smarthost (e.g. smtp.provider.net).")
    @Required
    @Pattern(Patterns.HOST)
    @Size(max = 253)
    public String host;

    @JsonPropertyDescription("Port of the smarthost. Default 587 (submission), or 465 (smtps) with tls implicit.")
    @Min(1)
    @Max(65535)
    public Integer port;

    @JsonPropertyDescription("TLS to the smarthost: required (default: STARTTLS, certificate checked), opportunistic "
            + "(STARTTLS when offered), none, or implicit (TLS from the first byte, port 465: Postfix "
            + "smtp_tls_wrappermode, certificate checked like required).")
    @Default("required")
    public SmarthostTls tls;

    @JsonPropertyDescription("Verify the smarthost's certificate and host name. Default true.")
    @Default("true")
    public Boolean verifyCertificate;

    @JsonPropertyDescription("Name of a Secret in this namespace with keys 'username' and 'password' for AUTH at the smarthost.")
    @Pattern(Patterns.OBJECT_NAME)
    public String credentialsSecret;

    @JsonPropertyDescription("Outbound rate limits of this smarthost (messages per second, recipients per day), per relay "
            + "pod; absent: none.")
    public RateLimit rateLimit;

    @JsonPropertyDescription("Name of a Secret of type kubernetes.io/tls (tls.crt, tls.key) in this namespace: the client "
            + "certificate the relay presents in the TLS handshake, for a smarthost that relays by certificate (a "
            + "Microsoft 365 connector; Postfix smtp_tls_cert_file). Needs tls other than none.")
    @Pattern(Patterns.OBJECT_NAME)
    public String clientCertificateSecret;
}
