#!/usr/bin/env bash
# The relay's memory under load, inside a memory limit like a pod's: the relay process runs in a cgroup v1
# memory cgroup of its own (memory.limit_in_bytes = LIMIT, what a container's resources.limits.memory sets),
# with the JVM options the operator renders for that limit (or JAVA_OPTS), while smtp-source sends 20 sessions of
# 4 KB messages and then 4 x 20 MB at once to it, relayed to an smtp-sink. Prints the idle and peak resident set
# beside the targets (issue 17: idle <= 80 MB, peak <= 128 MB), the cgroup's counters (memory.failcnt,
# memory.oom_control's oom_kill) and checks that the relay survived and that every message arrived.
#
# Runs as root inside a network namespace of its own (only a loopback device). Bounded: every run has a count
# and a time limit; the cgroup is removed on exit. What each figure means: bench/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

JAR=${JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
APP_JARS=("$ROOT"/target/quarkus-app/app/*.jar)
APP_JAR=${APP_JAR:-${APP_JARS[0]}}    # the application's own classes (RelayJvmOptions)
JAVA=${JAVA:-java}
source "$HERE/lib.sh"
DEFAULT_LIMIT=$(default_relay_limit "$ROOT")
LIMIT=${LIMIT:-$DEFAULT_LIMIT}        # the cgroup's memory limit (a Kubernetes quantity); "none": no cgroup
JAVA_OPTS=${JAVA_OPTS:-}              # empty: the environment the operator renders for LIMIT (RelayJvmOptions)
SESSIONS=${SESSIONS:-20}
WARMUP_COUNT=${WARMUP_COUNT:-1000}
COUNT=${COUNT:-10000}
SIZE=${SIZE:-4096}
HUGE_SESSIONS=${HUGE_SESSIONS:-4}
HUGE_COUNT=${HUGE_COUNT:-4}
HUGE_SIZE=${HUGE_SIZE:-20000000}
IDLE_SECONDS=${IDLE_SECONDS:-15}      # how long the relay idles after start before its idle figure is read
RUN_TIMEOUT=${RUN_TIMEOUT:-600}       # seconds, per smtp-source run and per wait for the sink
NMT=${NMT:-0}                         # 1: -XX:NativeMemoryTracking=summary, and jcmd VM.native_memory after each step
KEEP=${KEEP:-0}

SINK_IP=127.0.0.1 SINK_PORT=2600
SERVER_IP=127.0.0.20 RELAY_PORT=2525 HTTP_PORT=8080
CLIENT_IP=127.0.0.11
LOCAL_DOMAIN=sink.test
IDLE_TARGET_MB=80 PEAK_TARGET_MB=128

ROWS=()
print_rows() {
    ((${#ROWS[@]})) || return 0
    printf '%s\n' "step	sessions	msgs	size	e2e_s	RSS_MB	VmHWM_MB	cg_max_MB	cg_rss_MB	heap_MB	threads	failcnt	oom_kill" \
        "${ROWS[@]}" | column -t -s $'\t'
}
# on a failure (the relay OOM-killed, say), the steps measured so far and the kernel's verdict are still printed
die() {
    echo "relay-memory: $*" >&2
    print_rows >&2
    [[ -n ${CGROUP:-} && -f $CGROUP/memory.oom_control ]] && echo "oom_control: $(tr '\n' ' ' <"$CGROUP/memory.oom_control")" >&2
    exit 1
}
log() { echo "# $*" >&2; }

if [[ -z ${RELAY_BENCH_NETNS:-} ]]; then
    [[ $(id -u) == 0 ]] || die "run as root: it creates a network namespace and a memory cgroup"
    for tool in unshare ip smtp-sink smtp-source "$JAVA"; do
        command -v "$tool" >/dev/null || die "$tool not found (bash scripts/test-deps.sh installs Postfix)"
    done
    [[ -f $JAR ]] || die "$JAR missing: build it first with ./mvnw -B -q -o package -DskipTests"
    exec unshare --net env RELAY_BENCH_NETNS=1 bash "$0" "$@"
fi

ip link set lo up
ip route add local "$SERVER_IP/32" dev lo src "$CLIENT_IP" table local

WORK=$(mktemp -d "${TMPDIR:-/tmp}/relay-memory.XXXXXX")
SINK_PID='' RELAY_PID='' CGROUP=''

# now, elapsed, await_port, machine_line, start_sink, sink_count, await_sink, stop_process, relay_heap_bytes
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
kb_status() { awk -v f="$2:" '$1 == f { print $2 * 1024 }' "/proc/$1/status"; }   # bytes

cleanup() {
    set +e
    [[ -n $RELAY_PID ]] && stop_process "$RELAY_PID"
    [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
    if [[ -n $CGROUP && -d $CGROUP ]]; then
        local deadline=$((SECONDS + 10))
        until rmdir "$CGROUP" 2>/dev/null || ((SECONDS > deadline)); do sleep 0.2; done
        [[ -d $CGROUP ]] && echo "relay-memory: could not remove $CGROUP" >&2
    fi
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the memory cgroup: a child of this process's own memory cgroup, so that it stays below whatever limits
# the machine already sets ----------------------------------------------------------------------------------
limit_bytes() { # a Kubernetes quantity (128Mi, 1Gi, 500M, bytes) -> bytes
    awk -v q="$1" 'BEGIN {
        n = q + 0; u = q; sub(/^[0-9.]+/, "", u)
        m["Ki"] = 1024; m["Mi"] = 1048576; m["Gi"] = 1073741824; m["K"] = 1e3; m["M"] = 1e6; m["G"] = 1e9; m[""] = 1
        if (!(u in m)) exit 1
        printf "%.0f", n * m[u] }'
}

if [[ $LIMIT != none ]]; then
    LIMIT_BYTES=$(limit_bytes "$LIMIT") || die "LIMIT=$LIMIT is not a quantity (e.g. 128Mi)"
    own=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
    [[ -n $own && -d /sys/fs/cgroup/memory ]] || die "no cgroup v1 memory controller at /sys/fs/cgroup/memory"
    CGROUP=/sys/fs/cgroup/memory${own%/}/relay-memory-$$
    mkdir "$CGROUP"
    echo "$LIMIT_BYTES" >"$CGROUP/memory.limit_in_bytes"
    # no swap on a Kubernetes node: the limit holds for memory plus swap where swap accounting exists
    [[ -f $CGROUP/memory.memsw.limit_in_bytes ]] && echo "$LIMIT_BYTES" >"$CGROUP/memory.memsw.limit_in_bytes"
fi
RELAY_ENV=()
if [[ -z $JAVA_OPTS ]]; then
    [[ $LIMIT != none ]] || die "LIMIT=none needs JAVA_OPTS"
    [[ -f $APP_JAR ]] || die "the application classes (target/quarkus-app/app/*.jar) are missing"
    # JAVA_TOOL_OPTIONS='...' and MALLOC_ARENA_MAX=2, as the operator sets them in the relay container
    while IFS= read -r assignment; do
        value=${assignment#*=}; value=${value#\'}; value=${value%\'}
        RELAY_ENV+=("${assignment%%=*}=$value")
    done < <("$JAVA" -cp "$APP_JAR" io.mailrelay.config.RelayJvmOptions "$LIMIT_BYTES")
fi
# the image's own options (Dockerfile, JAVA_OPTS_APPEND) besides the memory options the operator renders
BASE_OPTS="-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75 -Djava.io.tmpdir=$WORK -Dfile.encoding=UTF-8"
[[ $NMT == 1 ]] && BASE_OPTS="$BASE_OPTS -XX:NativeMemoryTracking=summary"

# --- upstream and relay --------------------------------------------------------------------------------
start_sink "$WORK" "$SINK_IP" "$SINK_PORT"

mkdir -p "$WORK/spool"
cat >"$WORK/relay.yaml" <<EOF
server: {listenAddress: "$SERVER_IP", port: $RELAY_PORT, hostname: relay.bench.test}
allowedNetworks: ["$CLIENT_IP/32"]
localDomains:
  - {domain: $LOCAL_DOMAIN, deliverTo: "$SINK_IP:$SINK_PORT"}
outbound:
  mode: smarthost
  smarthost: {host: "$SINK_IP", port: $SINK_PORT, tls: none}
limits: {maxMessageSize: 30000000, maxConnections: 500, maxConnectionsPerClient: 50, maxMessagesPerClientPerMinute: 100000000}
spool: {directory: $WORK/spool}
EOF
# born inside the cgroup, so the JVM sees the limit as its container's, as in a pod
# shellcheck disable=SC2086
sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; shift; exec "$@"' -- "$CGROUP" \
    env "${RELAY_ENV[@]}" "$JAVA" $BASE_OPTS $JAVA_OPTS -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$HTTP_PORT \
    -jar "$JAR" relay --config "$WORK/relay.yaml" >"$WORK/relay.log" 2>&1 &
RELAY_PID=$!
await_port "$SERVER_IP" "$RELAY_PORT" 180 "$RELAY_PID" || die "relay did not start: $(tail -n 30 "$WORK/relay.log")"

cg() { [[ -n $CGROUP ]] && cat "$CGROUP/$1" || echo 0; }
cg_stat() { [[ -n $CGROUP ]] && awk -v k="$1" '$1 == k { print $2 }' "$CGROUP/memory.stat" || echo 0; }
oom_kills() { [[ -n $CGROUP ]] && awk '$1 == "oom_kill" { print $2 }' "$CGROUP/memory.oom_control" || echo 0; }
nmt() { # label
    [[ $NMT == 1 ]] || return 0
    { echo "## $1"; jcmd "$RELAY_PID" VM.native_memory summary 2>&1; } >>"$WORK/nmt.txt"
}
heap_mb() { mb "$(relay_heap_bytes "$HTTP_PORT")"; }
threads() { awk '$1 == "Threads:" { print $2 }' "/proc/$RELAY_PID/status"; }

row() { ROWS+=("$(printf '%s\t' "$@")"); }

sleep "$IDLE_SECONDS"
IDLE_RSS=$(kb_status "$RELAY_PID" VmRSS)
row start-idle - - - - "$(mb "$IDLE_RSS")" "$(mb "$(kb_status "$RELAY_PID" VmHWM)")" "$(mb "$(cg memory.usage_in_bytes)")" \
    "$(mb "$(cg_stat total_rss)")" "$(heap_mb)" "$(threads)" "$(cg memory.failcnt)" "$(oom_kills)"
nmt idle

SENT=0 PEAK=0
run() { # label sessions count size
    local label=$1 base start end hwm
    base=$(sink_count)
    echo 5 >"/proc/$RELAY_PID/clear_refs"   # VmHWM from the current resident set on
    log "$label: smtp-source -s $2 -m $3 -l $4"
    start=$(now)
    timeout "$RUN_TIMEOUT" smtp-source -s "$2" -m "$3" -l "$4" -M client.bench.test -f bench@client.bench.test \
        -t "user@$LOCAL_DOMAIN" "$SERVER_IP:$RELAY_PORT" >"$WORK/source.$label" 2>&1 \
        || die "$label: smtp-source failed: $(tail -n 5 "$WORK/source.$label"); relay: $(tail -n 5 "$WORK/relay.log")"
    if ! await_sink $((base + $3)) "$RUN_TIMEOUT" "$RELAY_PID"; then
        kill -0 "$RELAY_PID" 2>/dev/null || die "$label: the relay died: $(tail -n 20 "$WORK/relay.log")"
        die "$label: the sink got $(($(sink_count) - base)) of $3"
    fi
    end=$(now)
    SENT=$(($SENT + $3))
    hwm=$(kb_status "$RELAY_PID" VmHWM)
    ((hwm > PEAK)) && PEAK=$hwm
    row "$label" "$2" "$3" "$4" "$(elapsed "$start" "$end")" "$(mb "$(kb_status "$RELAY_PID" VmRSS)")" "$(mb "$hwm")" \
        "$(mb "$(cg memory.max_usage_in_bytes)")" "$(mb "$(cg_stat total_rss)")" "$(heap_mb)" "$(threads)" \
        "$(cg memory.failcnt)" "$(oom_kills)"
    nmt "after $label"
}

DESCRIBE="date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)
$(machine_line)
java:     $("$JAVA" -version 2>&1 | head -n 1)
options:  $BASE_OPTS $JAVA_OPTS
env:      ${RELAY_ENV[*]:-none}
cgroup:   ${CGROUP:-none} (memory.limit_in_bytes $(cg memory.limit_in_bytes))"

run warmup "$SESSIONS" "$WARMUP_COUNT" "$SIZE"
run small "$SESSIONS" "$COUNT" "$SIZE"
run huge "$HUGE_SESSIONS" "$HUGE_COUNT" "$HUGE_SIZE"
sleep 3
RECEIVED=$(sink_count)
ALIVE=$(kill -0 "$RELAY_PID" 2>/dev/null && echo yes || echo no)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

echo "$DESCRIBE"
echo "load:     at the end $LOAD_END"
echo "sink:     received $RECEIVED messages, $SENT sent"
echo
print_rows
cat <<'LEGEND'

RSS_MB, VmHWM_MB: the relay's resident set after the step and its peak during it (VmHWM, reset before each step)
cg_max_MB:        the cgroup's memory.max_usage_in_bytes so far (includes the page cache of the spool files)
cg_rss_MB:        the cgroup's anonymous memory (memory.stat total_rss) after the step
heap_MB:          jvm_memory_used_bytes{area="heap"} from /q/metrics after the step
failcnt:          memory.failcnt: how often usage reached the limit (the kernel then reclaims page cache first)
oom_kill:         memory.oom_control oom_kill: processes the kernel's OOM killer ended in the cgroup
LEGEND
[[ $NMT == 1 ]] && { echo; grep -E '^## |Total:|^-  ' "$WORK/nmt.txt" | sed -E 's/\(reserved=[0-9]+KB, committed=([0-9]+)KB\)/committed=\1KB/'; }

echo
status=0
check() { # ok-condition text
    if eval "$1"; then echo "  ok    $2"; else echo "  MISS  $2"; status=1; fi
}
echo "targets (issue 17):"
check '[[ $ALIVE == yes ]]' "the relay is still running (oom_kill $(oom_kills))"
check '(($(oom_kills) == 0))' "no OOM kill in the cgroup"
check '[[ $RECEIVED == "$SENT" ]]' "every message arrived: $RECEIVED of $SENT"
check '(($(mb "$IDLE_RSS") <= IDLE_TARGET_MB))' "idle resident set $(mb "$IDLE_RSS") MB (target <= $IDLE_TARGET_MB MB)"
check '(($(mb "$PEAK") <= PEAK_TARGET_MB))' "peak resident set $(mb "$PEAK") MB (target <= $PEAK_TARGET_MB MB)"
exit $status
