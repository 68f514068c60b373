package io.mailrelay;

import io.mailrelay.operator.OperatorCommand;
import io.mailrelay.probe.ProbeCommand;
import io.mailrelay.relay.RelayCommand;
import io.mailrelay.relay.admin.QueueCommand;
import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "mailrelay",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Hardened SMTP relays for Kubernetes that keep proving they are closed.",
        subcommands = { OperatorCommand.class, RelayCommand.class, ProbeCommand.class, QueueCommand.class })
public class MailRelayCommand {
}
