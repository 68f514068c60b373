package io.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;

/**
 * crds/ is what users apply; it must be exactly what the Java model generates (with the generator
 * quarkus-operator-sdk runs at build), with {@link CrdPostProcessing}'s additions. {@code scripts/update-crds.sh}
 * rewrites it ({@code -Dmailrelay.update-crds=true}).
 */
@Tag("unit")
public class CrdsUpToDateTest {

    public static final Path CHECKED_IN = Path.of("crds", "mailrelays.mailrelay.io-v1.yml");

    @Test
    void checkedInCrdIsWhatTheModelGenerates(@TempDir Path out) throws IOException {
        new CRDGenerator().inOutputDir(out.toFile()).forCRDVersions("v1")
                .withPostProcessor(new CRDPostProcessor() {
                    @Override
                    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
                        return printerColumnsAsDeclared(CrdPostProcessing.process((CustomResourceDefinition) crd));
                    }
                })
                .customResourceClasses(MailRelay.class).generate();
        String generated = Files.readString(out.resolve(CHECKED_IN.getFileName()));

        if (Boolean.getBoolean("mailrelay.update-crds")) {
            Files.createDirectories(CHECKED_IN.getParent());
            Files.writeString(CHECKED_IN, generated);
        }
        assertThat(Files.exists(CHECKED_IN)).as("%s is missing: run scripts/update-crds.sh", CHECKED_IN).isTrue();
        assertThat(generated).contains("name: \"Ready\"");
        assertThat(Files.readString(CHECKED_IN))
                .as("%s differs from the CRD generated from io.mailrelay.api: run scripts/update-crds.sh and commit it",
                        CHECKED_IN)
                .isEqualTo(generated);
    }

    /** The generator sorts printer columns by JSON path; kubectl shows them in the order MailRelay declares them. */
    private static HasMetadata printerColumnsAsDeclared(HasMetadata crd) {
        List<String> declared = Arrays.stream(MailRelay.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        ((CustomResourceDefinition) crd).getSpec().getVersions().forEach(version -> version.getAdditionalPrinterColumns()
                .sort(Comparator.comparingInt(column -> declared.indexOf(column.getName()))));
        return crd;
    }
}
