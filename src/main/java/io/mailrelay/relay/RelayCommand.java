package io.mailrelay.relay;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Run the hardened SMTP relay.")
public class RelayCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("relay mode: not implemented yet");
        return 2;
    }
}
