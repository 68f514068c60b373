package io.mailrelay.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One upstream (the smarthost, a route's smarthost, or a local domain's deliverTo) as the relay pods last checked it (docs/operator.md). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpstreamStatus {

    public static final String OK = "Ok";
    public static final String FAILING = "Failing";
    public static final String NOT_CHECKED = "NotChecked";

    @JsonPropertyDescription("host:port of the upstream: with route, the key of this list.")
    public String upstream;

    @JsonPropertyDescription("What it is, as the delivery log names it: \"smarthost host:port\", \"recipient route "
            + "domain -> host:port\", \"sender route domain -> host:port\" or \"local route -> host:port\".")
    public String route;

    @JsonPropertyDescription("Ok, Failing or NotChecked (no check has ended yet).")
    public String state;

    @JsonPropertyDescription("When Failing, the stage that failed: Connect, Greeting, Ehlo, StartTls, Certificate or Auth.")
    public String stage;

    @JsonPropertyDescription("The server's reply (or the connection error) of the failing stage; when Ok its last reply.")
    public String message;

    @JsonPropertyDescription("The session ran TLS (STARTTLS, or implicit TLS).")
    public Boolean tls;

    @JsonPropertyDescription("notAfter of the upstream's TLS certificate (RFC 3339).")
    public String certificateNotAfter;

    @JsonPropertyDescription("The certificate expires within the relay's upstreamCheck.certificateExpiryWarning (14 days).")
    public Boolean certificateExpiresSoon;

    @JsonPropertyDescription("When the check ended (RFC 3339).")
    public String lastCheckTime;

    @JsonPropertyDescription("The relay pod whose check this is (the worst of the pods: a failing one before an ok one).")
    public String pod;
}
