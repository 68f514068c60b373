package io.mailrelay.operator;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Run the Kubernetes operator that reconciles MailRelay resources.")
public class OperatorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("operator mode: not implemented yet");
        return 2;
    }
}
