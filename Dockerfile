# One image for every mode: operator, relay and probe (the first argument selects it).
# Build the application first:  ./mvnw -B package -DskipTests
# then:                          docker build -t mailrelay/mailrelay-operator:0.1.0-SNAPSHOT .
# Any base with a Java 17 runtime on PATH, sh, groupadd and useradd; the e2e tests build it with
# `buildah bud --build-arg BASE_IMAGE=...` on a Debian bookworm base of their own (scripts/node-image.sh).
ARG BASE_IMAGE=eclipse-temurin:17-jre-jammy
FROM ${BASE_IMAGE}

# A non-root UID/GID 10025, which the pods run as by default (runAsNonRoot, read-only root filesystem), and any
# other UID: OpenShift runs a pod as an arbitrary UID of its namespace's range, in group 0 (the operator's
# mailrelay.relay-uid, the chart's uid). So, as OpenShift's image guidelines say, what the process may write
# (the spool directory, when no volume is mounted there) is owned by group 0 and group-writable, and the
# application files are group 0 and readable; the pods' other writable places are volumes (spool, /tmp).
RUN groupadd --system --gid 10025 mailrelay \
 && useradd --system --uid 10025 --gid 10025 --home-dir /nonexistent --shell /usr/sbin/nologin mailrelay \
 && mkdir -p /var/spool/mailrelay /etc/mailrelay \
 && chown 10025:0 /var/spool/mailrelay \
 && chmod 0770 /var/spool/mailrelay

# Quarkus fast-jar layout, copied layer by layer so that a code change rebuilds only the last ones.
COPY --chown=10025:0 target/quarkus-app/lib/ /app/lib/
COPY --chown=10025:0 target/quarkus-app/*.jar /app/
COPY --chown=10025:0 target/quarkus-app/app/ /app/app/
COPY --chown=10025:0 target/quarkus-app/quarkus/ /app/quarkus/

USER 10025:10025
WORKDIR /app
# UTF-8 whatever the locale: Java 17 takes its default charset from it (ASCII in a bare image), and DKIM signing
# (jDKIM) turns header fields into bytes with the default charset: under ASCII, 8-bit headers would go unsigned
ENV JAVA_OPTS_APPEND="-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp -Dfile.encoding=UTF-8"
# 2525: SMTP (relay mode, unprivileged); 8080: health and Prometheus metrics (relay and operator modes)
EXPOSE 2525 8080
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS_APPEND -jar /app/quarkus-run.jar \"$@\"", "--"]
CMD ["--help"]
