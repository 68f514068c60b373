#!/usr/bin/env bash
# `mailrelay probe` side by side with nmap's smtp-open-relay script, against three Postfix instances of
# its own: open, closed (Postfix's default error limits: it sleeps after a client's 10th error), and
# closed except through sender-specified routing (allow_untrusted_routing, the percent hack, bang paths).
# Prints, per server and tool, the verdict, the accepted-attempt count and the wall time of the whole
# process (min/median/max over the rounds), then the targets of issue 14. Details: bench/README.md.
#
# Runs as root inside a network namespace of its own (only a loopback device: nothing can leave the
# machine, ports cannot clash with anything else). Bounded: every run has a time limit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

JAR=${JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx64m}
NMAP=${NMAP:-nmap}
ROUNDS=${ROUNDS:-3}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}       # seconds per probe or nmap run
PROBE_ARGS=${PROBE_ARGS:-}            # more `mailrelay probe` options, e.g. "--connections 1"
KEEP=${KEEP:-0}                       # 1: keep the temp dir (configs, maillogs, every run's output)

SERVER_IP=127.0.0.20
CLIENT_IP=127.0.0.11                  # every connection to SERVER_IP leaves from here (route below)
TEST_DOMAIN=probe.example             # the external domain, the same for both tools
SERVERS=(open closed trick)
declare -A PORT=([open]=2531 [closed]=2532 [trick]=2533)

die() { echo "probe-bench: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

if [[ -z ${PROBE_BENCH_NETNS:-} ]]; then
    [[ $(id -u) == 0 ]] || die "run as root: it creates a network namespace and starts Postfix"
    for tool in unshare ip postfix postconf python3 "$NMAP" "$JAVA"; do
        command -v "$tool" >/dev/null || die "$tool not found (bash scripts/test-deps.sh installs Postfix and nmap)"
    done
    [[ -f /usr/share/nmap/scripts/smtp-open-relay.nse ]] || die "nmap's smtp-open-relay script is missing"
    [[ -f $JAR ]] || die "$JAR missing: build it first with ./mvnw -B -q -o package -DskipTests"
    exec unshare --net env PROBE_BENCH_NETNS=1 bash "$0" "$@"
fi

ip link set lo up
# nmap's scripts cannot bind a source address: a route makes every connection to the servers leave
# from CLIENT_IP, outside the closed servers' mynetworks, for both tools alike
ip route add local "$SERVER_IP/32" dev lo src "$CLIENT_IP" table local

WORK=$(mktemp -d "${TMPDIR:-/tmp}/probe-bench.XXXXXX")
chmod 755 "$WORK"   # Postfix's daemons (user postfix) must reach their queues below it
STARTED=()

cleanup() {
    set +e
    for server in "${STARTED[@]}"; do postfix -c "$WORK/$server/etc" abort >/dev/null 2>&1; done
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "probe-bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# now, elapsed, await_port, write_postfix_config
source "$HERE/lib.sh"

# --- Postfix: instances of their own (bench/lib.sh), with Postfix's default error limits
# (smtpd_soft_error_limit 10, smtpd_error_sleep_time 1s, smtpd_hard_error_limit 20): the tarpit the
# probe must plan around
start_postfix() { # server extra-main.cf-lines
    local server=$1 base=$WORK/$1 port=${PORT[$1]}
    write_postfix_config "$base" "postfix-probe-bench-$server" "$SERVER_IP" "$port"
    cat >>"$base/etc/main.cf" <<EOF
smtpd_banner = \$myhostname ESMTP
# nothing is ever queued (neither tool sends DATA); were it, it would go nowhere
relayhost = [127.0.0.1]:9
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
$2
EOF
    # postfix reports fatal errors on a terminal or to its log, so script(1) gives it one
    script -qec "postfix -c $base/etc start" /dev/null >"$base/start.out" 2>&1 \
        || die "postfix ($server) did not start: $(cat "$base/start.out" "$base/maillog" 2>/dev/null)"
    STARTED+=("$server")
    await_port "$SERVER_IP" "$port" 60 || die "postfix ($server) is not listening: $(cat "$base/maillog")"
}

# --- the two tools: each prints "VERDICT ACCEPTED ATTEMPTS CONNECTIONS" ------------------------------
run_probe() { # server round
    local out=$WORK/out.probe.${1}.$2 exit=0
    # shellcheck disable=SC2086
    timeout "$RUN_TIMEOUT" "$JAVA" $JAVA_OPTS -jar "$JAR" probe "$SERVER_IP:${PORT[$1]}" \
        --source-address "$CLIENT_IP" --test-domain "$TEST_DOMAIN" --output json $PROBE_ARGS \
        >"$out" 2>"$out.err" || exit=$?
    ((exit <= 2)) || die "probe against $1 exited $exit: $(tail -n 5 "$out.err")"
    python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["verdict"], len(r["acceptedAttempts"]), len(r["attempts"]), len(r["sessions"]))' "$out"
}

run_nmap() { # server round
    local out=$WORK/out.nmap.${1}.$2 line
    timeout "$RUN_TIMEOUT" "$NMAP" -n -Pn -sT -p "${PORT[$1]}" --script +smtp-open-relay \
        --script-args "smtp-open-relay.domain=$TEST_DOMAIN" "$SERVER_IP" >"$out" 2>&1 \
        || die "nmap against $1 failed: $(tail -n 5 "$out")"
    if line=$(grep -o 'Server is an open relay ([0-9]*/16 tests)' "$out"); then
        line=${line#*(}
        echo "OPEN ${line%%/*} 16 1"
    elif grep -q "Server doesn't seem to be an open relay, all tests failed" "$out"; then
        echo "CLOSED 0 16 1"
    else
        echo "INCONCLUSIVE 0 16 1"
    fi
}

# --- the run -------------------------------------------------------------------------------------------
start_postfix open "mynetworks = 127.0.0.0/8"
start_postfix closed "mynetworks = 127.0.0.1/32"
start_postfix trick "mynetworks = 127.0.0.1/32
relay_domains = \$myhostname
allow_untrusted_routing = yes
allow_percent_hack = yes
swap_bangpath = yes"

echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine:  $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo), load average at start $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo "java:     $("$JAVA" -version 2>&1 | head -n 1), options: $JAVA_OPTS; probe options: ${PROBE_ARGS:-defaults}"
echo "nmap:     $("$NMAP" --version | head -n 1)"
echo "postfix:  $(postconf -d -h mail_version), error limits soft $(postconf -c "$WORK/closed/etc" -h smtpd_soft_error_limit) / sleep $(postconf -c "$WORK/closed/etc" -h smtpd_error_sleep_time) / hard $(postconf -c "$WORK/closed/etc" -xh smtpd_hard_error_limit)"
echo "rounds:   $ROUNDS (the tools take turns on each server, round by round)"
echo

declare -A TIMES VERDICTS ACCEPTED DETAIL
for ((round = 1; round <= ROUNDS; round++)); do
    for server in "${SERVERS[@]}"; do
        for tool in probe nmap; do
            start=$(now)
            read -r verdict accepted attempts sessions < <("run_$tool" "$server" "$round")
            took=$(elapsed "$start" "$(now)")
            log "round $round: $tool vs $server: $verdict, $accepted/$attempts accepted, $sessions connection(s), ${took}s"
            TIMES[$tool.$server]+="$took "
            VERDICTS[$tool.$server]+="$verdict "
            ACCEPTED[$tool.$server]+="$accepted "
            DETAIL[$tool.$server]="$attempts"
        done
    done
done

stats() { # values... -> min median max
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f\n", v[1], m, v[NR] }'
}
same() { printf '%s\n' "$@" | sort -u | paste -sd/ -; }   # one value, or all seen as a/b

printf '%-7s %-6s %-13s %-10s %-9s %-7s %-9s %-7s\n' server tool verdict accepted attempts min_s median_s max_s
declare -A MEDIAN VERDICT MINACC MAXACC
for server in "${SERVERS[@]}"; do
    for tool in probe nmap; do
        # shellcheck disable=SC2086
        read -r min median max < <(stats ${TIMES[$tool.$server]})
        # shellcheck disable=SC2086
        VERDICT[$tool.$server]=$(same ${VERDICTS[$tool.$server]})
        # shellcheck disable=SC2086
        MINACC[$tool.$server]=$(printf '%s\n' ${ACCEPTED[$tool.$server]} | sort -g | head -n 1)
        # shellcheck disable=SC2086
        MAXACC[$tool.$server]=$(printf '%s\n' ${ACCEPTED[$tool.$server]} | sort -g | tail -n 1)
        MEDIAN[$tool.$server]=$median
        # shellcheck disable=SC2086
        printf '%-7s %-6s %-13s %-10s %-9s %-7s %-9s %-7s\n' "$server" "$tool" "${VERDICT[$tool.$server]}" \
            "$(same ${ACCEPTED[$tool.$server]})" "${DETAIL[$tool.$server]}" "$min" "$median" "$max"
    done
done

echo
echo "targets (issue 14):"
failed=0
check() { # ok description
    if [[ $1 == yes ]]; then echo "  ok    $2"; else echo "  MISS  $2"; failed=1; fi
}
for server in "${SERVERS[@]}"; do
    check "$([[ ${VERDICT[probe.$server]} == "${VERDICT[nmap.$server]}" && ${VERDICT[probe.$server]} != */* ]] \
        && echo yes || echo no)" "$server: same verdict in every round (probe ${VERDICT[probe.$server]}, nmap ${VERDICT[nmap.$server]})"
done
for server in open trick; do
    check "$( ((MINACC[probe.$server] >= MAXACC[nmap.$server])) && echo yes || echo no)" \
        "$server: at least as many accepted attempts in every round (probe at least ${MINACC[probe.$server]}, nmap at most ${MAXACC[nmap.$server]})"
done
ratio=$(awk -v a="${MEDIAN[probe.closed]}" -v b="${MEDIAN[nmap.closed]}" 'BEGIN { printf "%.2f", a / b }')
check "$(awk -v r="$ratio" 'BEGIN { print (r <= 0.5) ? "yes" : "no" }')" \
    "closed: median time probe/nmap = ${MEDIAN[probe.closed]}s / ${MEDIAN[nmap.closed]}s = ${ratio} (target <= 0.50)"
exit "$failed"
