#!/usr/bin/env bash
# Our relay side by side with Postfix: the same smtp-source load against each, relayed to the same
# smtp-sink. Prints messages/second accepted, time until the sink received everything, peak memory and,
# for our relay, the heap. What each figure means and the caveats: bench/README.md.
#
# Runs as root inside a network namespace of its own (only a loopback device: nothing can leave the
# machine, ports cannot clash with anything else). Bounded: every run has a count and a time limit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

JAR=${JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx64m}
SERVERS=${SERVERS:-relay postfix}
SESSIONS=${SESSIONS:-10}
WARMUP_COUNT=${WARMUP_COUNT:-1000}
SMALL_COUNT=${SMALL_COUNT:-2000}
SMALL_SIZE=${SMALL_SIZE:-4096}
LARGE_COUNT=${LARGE_COUNT:-50}
LARGE_SIZE=${LARGE_SIZE:-1000000}
# a few messages larger than the relay's whole heap: they can only pass if DATA is streamed to disk
HUGE_SESSIONS=${HUGE_SESSIONS:-4}
HUGE_COUNT=${HUGE_COUNT:-4}
HUGE_SIZE=${HUGE_SIZE:-20000000}
# our relay has 4 delivery workers (RelayRuntime.DELIVERY_WORKERS); Postfix gets the same limit
POSTFIX_CONCURRENCY=${POSTFIX_CONCURRENCY:-4}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}       # seconds, per smtp-source run and per wait for the sink
SAMPLE_INTERVAL=${SAMPLE_INTERVAL:-0.2}
ROUNDS=${ROUNDS:-1}                   # how many times the measured runs (not the warm-up) are repeated
KEEP=${KEEP:-0}                       # 1: keep the temp dir (logs, configs) for inspection

SINK_IP=127.0.0.1 SINK_PORT=2600
SERVER_IP=127.0.0.20 RELAY_PORT=2525 POSTFIX_PORT=2526 HTTP_PORT=8080
CLIENT_IP=127.0.0.11                  # the source address of smtp-source (see the route below)
LOCAL_DOMAIN=sink.test
MESSAGE_SIZE_LIMIT=30000000

die() { echo "relay-vs-postfix: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

if [[ -z ${RELAY_BENCH_NETNS:-} ]]; then
    [[ $(id -u) == 0 ]] || die "run as root: it creates a network namespace and starts Postfix"
    for tool in unshare ip smtp-sink smtp-source postfix curl "$JAVA"; do
        command -v "$tool" >/dev/null || die "$tool not found (bash scripts/test-deps.sh installs Postfix)"
    done
    for server in $SERVERS; do
        [[ $server == relay || $server == postfix ]] || die "unknown server '$server' in SERVERS (relay, postfix)"
    done
    [[ -f $JAR ]] || die "$JAR missing: build it first with ./mvnw -B -q -o package -DskipTests"
    exec unshare --net env RELAY_BENCH_NETNS=1 bash "$0" "$@"
fi

PYTHON=$(command -v /usr/bin/python3 || command -v python3) || die "python3 not found (memory sampler)"
ip link set lo up
# smtp-source cannot bind a source address: connections to the servers' address leave from CLIENT_IP
ip route add local "$SERVER_IP/32" dev lo src "$CLIENT_IP" table local

WORK=$(mktemp -d "${TMPDIR:-/tmp}/relay-bench.XXXXXX")
chmod 755 "$WORK"   # Postfix's daemons (user postfix) must reach their queue below it
SINK_PID='' RELAY_PID='' POSTFIX_UP='' POSTFIX_PID=''

cleanup() {
    set +e
    [[ -n $RELAY_PID ]] && stop_relay
    [[ -n $POSTFIX_UP ]] && postfix -c "$WORK/postfix/etc" abort >/dev/null 2>&1
    [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "relay-vs-postfix: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# now, elapsed, await_port, machine_line, start_sink, sink_count, await_sink, stop_process, relay_heap_bytes,
# write_postfix_config
source "$HERE/lib.sh"
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }'; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }

# --- our relay ----------------------------------------------------------------------------------------
start_relay() {
    mkdir -p "$WORK/relay/spool"
    cat >"$WORK/relay/relay.yaml" <<EOF
server:
  listenAddress: "$SERVER_IP"
  port: $RELAY_PORT
  hostname: relay.bench.test
allowedNetworks: ["$CLIENT_IP/32"]
localDomains:
  - domain: $LOCAL_DOMAIN
    deliverTo: "$SINK_IP:$SINK_PORT"
outbound:            # unused: every recipient is in the local domain
  mode: smarthost
  smarthost: {host: "$SINK_IP", port: $SINK_PORT, tls: none}
limits:              # no limit that the Postfix side does not have either
  maxMessageSize: $MESSAGE_SIZE_LIMIT
  maxConnections: 500
  maxConnectionsPerClient: 50
  maxMessagesPerClientPerMinute: 100000000
spool:
  directory: $WORK/relay/spool
EOF
    # shellcheck disable=SC2086
    "$JAVA" $JAVA_OPTS -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$HTTP_PORT \
        -jar "$JAR" relay --config "$WORK/relay/relay.yaml" >"$WORK/relay/relay.log" 2>&1 &
    RELAY_PID=$!
    await_port "$SERVER_IP" "$RELAY_PORT" 120 "$RELAY_PID" \
        || die "relay did not start: $(tail -n 30 "$WORK/relay/relay.log")"
}

stop_relay() {
    stop_process "$RELAY_PID"
    RELAY_PID=
}

# --- Postfix: an instance of its own, written as src/test/java/io/mailrelay/testing/PostfixInstance does
start_postfix() {
    local base=$WORK/postfix
    write_postfix_config "$base" postfix-bench "$SERVER_IP" "$POSTFIX_PORT"
    cat >>"$base/etc/main.cf" <<EOF
# the same routing and policy as the relay (which does no DNS either): the local domain to the sink,
# the client in mynetworks
mynetworks = $CLIENT_IP/32
relay_domains = $LOCAL_DOMAIN
relayhost = [$SINK_IP]:$SINK_PORT
message_size_limit = $MESSAGE_SIZE_LIMIT
default_destination_concurrency_limit = $POSTFIX_CONCURRENCY
EOF
    postfix -c "$base/etc" start >/dev/null 2>&1 || die "postfix did not start: $(cat "$base/maillog" 2>/dev/null)"
    POSTFIX_UP=1
    local master_pid_file=$base/queue/pid/master.pid
    await_port "$SERVER_IP" "$POSTFIX_PORT" 60 $$ || die "postfix is not listening: $(cat "$base/maillog")"
    POSTFIX_PID=$(tr -d ' ' <"$master_pid_file")
}

# --- one measured run ----------------------------------------------------------------------------------
RESULTS=()
SENT=0

# run server port label sessions count size
run() {
    local server=$1 port=$2 label=$3 sessions=$4 count=$5 size=$6 pid sampler base start accepted done_at
    pid=$([[ $server == relay ]] && echo "$RELAY_PID" || echo "$POSTFIX_PID")
    base=$(sink_count)
    [[ $server == relay ]] && echo 5 >"/proc/$pid/clear_refs"   # resets VmHWM: the peak of this run only
    "$PYTHON" "$HERE/procmem.py" "$pid" "$SAMPLE_INTERVAL" smtpd,cleanup,qmgr,smtp >"$WORK/mem.$label.$server" &
    sampler=$!
    sleep 0.5
    log "$server/$label: smtp-source -s $sessions -m $count -l $size"
    start=$(now)
    timeout "$RUN_TIMEOUT" smtp-source -s "$sessions" -m "$count" -l "$size" -M client.bench.test \
        -f "bench@client.bench.test" -t "user@$LOCAL_DOMAIN" "$SERVER_IP:$port" >"$WORK/source.$label.$server" 2>&1 \
        || die "$server/$label: smtp-source failed: $(tail -n 5 "$WORK/source.$label.$server")"
    accepted=$(now)
    await_sink $((base + count)) "$RUN_TIMEOUT" \
        || die "$server/$label: the sink got $(($(sink_count) - base)) of $count within ${RUN_TIMEOUT}s"
    done_at=$(now)
    kill "$sampler"; wait "$sampler" || true
    # shellcheck disable=SC2034 # peak_named_pss: set by the sampler's output, not shown
    local samples peak_rss peak_pss peak_named_rss peak_named_pss max_procs hwm=- named=- heap=-
    eval "$(cat "$WORK/mem.$label.$server")"
    if [[ $server == relay ]]; then
        hwm=$(mb "$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")")
        heap=$(awk -v b="$(relay_heap_bytes "$HTTP_PORT")" 'BEGIN { printf "%.0f", b / 1048576 }')
    else
        named=$(mb "$peak_named_rss")
    fi
    local accept_s e2e_s
    accept_s=$(elapsed "$start" "$accepted")
    e2e_s=$(elapsed "$start" "$done_at")
    SENT=$((SENT + count))
    RESULTS+=("$(printf '%s\t' "$label" "$server" "$sessions" "$count" "$size" \
        "$accept_s" "$(rate "$count" "$accept_s")" "$e2e_s" "$(rate "$count" "$e2e_s")" \
        "$hwm" "$named" "$(mb "$peak_rss")" "$(mb "$peak_pss")" "$heap" "$max_procs" "$samples")")
    sleep 2   # lets the server finish removing what it delivered before the next run
}

port_of() { [[ $1 == relay ]] && echo "$RELAY_PORT" || echo "$POSTFIX_PORT"; }

# the servers take turns run by run, so that a change in the machine's load hits both alike
bench_all() {
    local round server
    for server in $SERVERS; do run "$server" "$(port_of "$server")" warmup "$SESSIONS" "$WARMUP_COUNT" "$SMALL_SIZE"; done
    for ((round = 1; round <= ROUNDS; round++)); do
        for server in $SERVERS; do run "$server" "$(port_of "$server")" small "$SESSIONS" "$SMALL_COUNT" "$SMALL_SIZE"; done
        for server in $SERVERS; do run "$server" "$(port_of "$server")" large "$SESSIONS" "$LARGE_COUNT" "$LARGE_SIZE"; done
        for server in $SERVERS; do run "$server" "$(port_of "$server")" huge "$HUGE_SESSIONS" "$HUGE_COUNT" "$HUGE_SIZE"; done
    done
}

describe_machine() {
    echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    machine_line
    echo "disk:     $(df -PT "$WORK" | awk 'NR == 2 { print $2 " on " $1 }') (both queues)"
    echo "java:     $("$JAVA" -version 2>&1 | head -n 1), options: $JAVA_OPTS"
    echo "postfix:  $(postconf -d -h mail_version), destination concurrency $POSTFIX_CONCURRENCY"
}

print_table() {
    printf '%s\n' "run	server	sessions	msgs	size	accept_s	accept/s	e2e_s	e2e/s	VmHWM_MB	RSS_pf4_MB	RSS_all_MB	PSS_all_MB	heap_MB	procs	samples" \
        "${RESULTS[@]}" | column -t -s $'\t'
    cat <<'LEGEND'

accept_s, accept/s: wall time of smtp-source (every message answered 250) and messages/second accepted
e2e_s, e2e/s:       from the first connection until the sink had received every message of the run
VmHWM_MB:           our JVM's peak resident set during the run (/proc/PID/status VmHWM, reset to the current RSS before each run)
RSS_pf4_MB:         Postfix: peak of the sampled sum of VmRSS over its smtpd, cleanup, qmgr and smtp processes
RSS_all_MB:         peak of the sampled sum of VmRSS over all the server's processes (Postfix: master and children)
PSS_all_MB:         the same with PSS (pages shared by several processes divided among them)
heap_MB:            our JVM: jvm_memory_used_bytes{area="heap"} summed over the pools, from /q/metrics after the run
procs:              the most processes of the server seen in one sample
samples:            memory samples taken during the run (one every SAMPLE_INTERVAL seconds)
LEGEND
}

start_sink "$WORK" "$SINK_IP" "$SINK_PORT"
MACHINE=$(describe_machine)
for server in $SERVERS; do
    case $server in
        relay) start_relay ;;
        postfix) start_postfix ;;
    esac
done
bench_all
sleep 3
RECEIVED=$(sink_count)
echo "$MACHINE"
echo "sink:     received $RECEIVED messages, $SENT sent$([[ $RECEIVED == "$SENT" ]] || echo ' (MISMATCH: lost or duplicated mail)')"
echo
print_table
