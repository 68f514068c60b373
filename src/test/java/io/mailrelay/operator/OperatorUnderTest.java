package io.mailrelay.operator;

import java.io.IOException;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.mailrelay.testing.RealKubeApiServer;

/**
 * A real API server with the checked-in CRD and the reconciler running in a JOSDK operator, started once
 * for a test class:
 *
 * <pre>@RegisterExtension static final OperatorUnderTest operator = new OperatorUnderTest();</pre>
 */
final class OperatorUnderTest implements BeforeAllCallback, AfterAllCallback {

    final RealKubeApiServer api = new RealKubeApiServer();
    /** Usable once the class's tests run: it reaches the API server started before them. */
    final KubeFixture kube = new KubeFixture(api::client);

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        api.beforeAll(context);
        kube.installCrdAndStartOperator();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            kube.stop();
        } finally {
            api.afterAll(context);
        }
    }
}
