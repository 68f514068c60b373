package io.mailrelay.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import io.mailrelay.relay.admin.AdminRoutes;
import io.mailrelay.relay.admin.DrainReport;
import io.mailrelay.relay.admin.QueueReport;
import io.mailrelay.relay.admin.UpstreamReport;
import io.mailrelay.relay.admin.WorkloadClientsReport;

/**
 * The layout is the architecture (docs/architecture.md): the relay, the probe and the shared relay.yaml contract
 * ({@code io.mailrelay.config}) know nothing of Kubernetes or the operator; the operator talks to the relay only
 * through the contract and the admin endpoint's wire types. Read from the compiled classes, so a fully qualified
 * name cannot slip past.
 */
@Tag("unit")
class PackageDependenciesTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.mailrelay");
    }

    @Test
    void relayProbeAndConfigKnowNothingOfKubernetes() {
        noClasses().that().resideInAnyPackage("io.mailrelay.relay..", "io.mailrelay.probe..", "io.mailrelay.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.javaoperatorsdk..",
                        "io.quarkiverse.operatorsdk..", "io.mailrelay.api..", "io.mailrelay.operator..")
                .check(classes);
    }

    @Test
    void theContractStandsOnItsOwn() {
        noClasses().that().resideInAPackage("io.mailrelay.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mailrelay.relay..", "io.mailrelay.probe..")
                .check(classes);
    }

    /** The shared thread factory is a leaf: everyone may use it, it uses nothing of ours. */
    @Test
    void theConcurrencyHelpersStandOnTheirOwn() {
        noClasses().that().resideInAPackage("io.mailrelay.concurrent..")
                .should().dependOnClassesThat(resideInAPackage("io.mailrelay..")
                        .and(not(resideInAPackage("io.mailrelay.concurrent.."))))
                .check(classes);
    }

    @Test
    void relayAndProbeAreIndependent() {
        noClasses().that().resideInAPackage("io.mailrelay.probe..")
                .should().dependOnClassesThat().resideInAPackage("io.mailrelay.relay..").check(classes);
        noClasses().that().resideInAPackage("io.mailrelay.relay..")
                .should().dependOnClassesThat().resideInAPackage("io.mailrelay.probe..").check(classes);
    }

    /** The relay's internals (policy, spool, delivery, SMTP) stay its own; the admin endpoint's wire types are shared. */
    @Test
    void theOperatorReachesTheRelayOnlyThroughTheContractAndTheAdminWireTypes() {
        noClasses().that().resideInAPackage("io.mailrelay.operator..")
                .should().dependOnClassesThat(resideInAPackage("io.mailrelay.relay..")
                        .and(not(belongToAnyOf(AdminRoutes.class, DrainReport.class, QueueReport.class,
                                WorkloadClientsReport.class, UpstreamReport.class))))
                .check(classes);
    }

    @Test
    void theCrModelKnowsNoOperatorCode() {
        noClasses().that().resideInAPackage("io.mailrelay.api..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mailrelay.operator..", "io.mailrelay.relay..")
                .check(classes);
    }

    /**
     * Checks, status and probing read the spec through the api model's defaults (ServiceSpec.port, SecretRefs,
     * SecretKeys) and the owned objects' names (operator.naming), never through how manifests are rendered.
     */
    @Test
    void checksStatusAndProbingDoNotDependOnRendering() {
        noClasses().that().resideInAnyPackage("io.mailrelay.operator.check..", "io.mailrelay.operator.status..",
                        "io.mailrelay.operator.probing..", "io.mailrelay.operator.naming..")
                .should().dependOnClassesThat().resideInAPackage("io.mailrelay.operator.render..")
                .check(classes);
    }

    @Test
    void theOperatorsPackagesFormNoCycle() {
        slices().matching("io.mailrelay.operator.(*)..").should().beFreeOfCycles().check(classes);
    }
}
