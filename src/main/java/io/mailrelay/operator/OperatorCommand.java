package io.mailrelay.operator;

import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.Quarkus;
import picocli.CommandLine.Command;

/**
 * {@code operator} mode: starts the Java Operator SDK operator that quarkus-operator-sdk built (it is not
 * started at boot, so that the relay and probe modes never start it), runs until Quarkus is asked to
 * stop (SIGTERM), then stops it.
 */
@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Run the Kubernetes operator that reconciles MailRelay resources. Watches all namespaces "
                + "unless QUARKUS_OPERATOR_SDK_CONTROLLERS_MAILRELAY_NAMESPACES lists some.")
public class OperatorCommand implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger(OperatorCommand.class);

    @Inject
    Operator operator;

    @Override
    public Integer call() {
        operator.start();
        LOG.info("mailrelay operator started");
        try {
            Quarkus.waitForExit();
        } finally {
            operator.stop();
            LOG.info("mailrelay operator stopped");
        }
        return 0;
    }
}
