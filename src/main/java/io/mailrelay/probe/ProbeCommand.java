package io.mailrelay.probe;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Test an SMTP server for open relaying.")
public class ProbeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("probe mode: not implemented yet");
        return 2;
    }
}
