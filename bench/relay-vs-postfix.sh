#!/usr/bin/env bash
# Our relay side by side with Postfix, end to end: an allow-listed client (smtp-source) relays to an external
# recipient through a smarthost (one smtp-sink, the upstream of both), durable queues on both sides. Measures what
# issue 17 asks in one run: the first COUNT messages right after start (both servers freshly started), warm rounds,
# 1 session (time per message) and 100 sessions, and a second relay with DKIM signing on beside them. Prints every
# relay figure beside Postfix's with the ratio and the target. What each figure means: bench/README.md.
#
# Runs as root inside a network namespace of its own (only a loopback device: nothing can leave the
# machine, ports cannot clash with anything else). Bounded: every run has a count and a time limit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

JAR=${JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
APP_JARS=("$ROOT"/target/quarkus-app/app/*.jar)
APP_JAR=${APP_JAR:-${APP_JARS[0]}}    # the application's own classes (RelayJvmOptions)
JAVA=${JAVA:-java}
source "$HERE/lib.sh"
DEFAULT_LIMIT=$(default_relay_limit "$ROOT")
LIMIT=${LIMIT:-$DEFAULT_LIMIT}        # the JVM options are those the operator renders for this limit
DKIM_LIMIT=${DKIM_LIMIT:-$(default_relay_limit "$ROOT" rsa-signing)}   # ... and for the DKIM relay (an RSA key)
JAVA_OPTS=${JAVA_OPTS:-}              # given: these instead of the rendered ones
DKIM=${DKIM:-1}                       # 1: also a relay with DKIM signing (RSA 2048), cold and warm
SESSIONS=${SESSIONS:-20}
COUNT=${COUNT:-10000}                 # per cold and per warm run
SIZE=${SIZE:-4096}
ROUNDS=${ROUNDS:-2}                   # warm rounds
ONE_COUNT=${ONE_COUNT:-1000}          # messages over 1 session
MANY_SESSIONS=${MANY_SESSIONS:-100}
MANY_COUNT=${MANY_COUNT:-10000}
# Postfix's default; the relay's delivery.destinationConcurrencyLimit defaults to 20 too
POSTFIX_CONCURRENCY=${POSTFIX_CONCURRENCY:-20}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}       # seconds, per smtp-source run and per wait for the sink
SAMPLE_INTERVAL=${SAMPLE_INTERVAL:-1}
KEEP=${KEEP:-0}                       # 1: keep the temp dir (logs, configs) for inspection
JFR=${JFR:-}                          # a directory: each relay records a flight recording there (NAME.jfr)
COLD_TARGET=1.0 WARM_TARGET=1.2       # relay / Postfix, end to end (issue 17)

SINK_IP=127.0.0.1 SINK_PORT=2600
SERVER_IP=127.0.0.20 POSTFIX_PORT=2526
declare -A PORT=([relay]=2525 [relay-dkim]=2527 [postfix]=$POSTFIX_PORT)
declare -A HTTP_PORT=([relay]=8080 [relay-dkim]=8081)
CLIENT_IP=127.0.0.11                  # the source address of smtp-source (see the route below)
RECIPIENT=user@external.test          # an external domain: relayed for the allow-listed client, via the smarthost
SENDER=bench@client.bench.test
MESSAGE_SIZE_LIMIT=30000000

die() { echo "relay-vs-postfix: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

if [[ -z ${RELAY_BENCH_NETNS:-} ]]; then
    [[ $(id -u) == 0 ]] || die "run as root: it creates a network namespace and starts Postfix"
    for tool in unshare ip smtp-sink smtp-source postfix curl openssl "$JAVA"; do
        command -v "$tool" >/dev/null || die "$tool not found (bash scripts/test-deps.sh installs Postfix)"
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
SINK_PID='' POSTFIX_UP='' TABLE_PRINTED=''
RESULTS=()
declare -A PID=()

cleanup() {
    set +e
    # a run that failed (a timeout, a server that died) still shows what was measured before it
    if [[ -z $TABLE_PRINTED && ${#RESULTS[@]} -gt 0 ]]; then
        echo "relay-vs-postfix: stopped early; the runs measured until then:" >&2
        print_table >&2
    fi
    for server in relay relay-dkim; do [[ -n ${PID[$server]:-} ]] && stop_process "${PID[$server]}"; done
    [[ -n $POSTFIX_UP ]] && postfix -c "$WORK/postfix/etc" abort >/dev/null 2>&1
    [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "relay-vs-postfix: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# now, elapsed, await_port, machine_line, start_sink, sink_count, await_sink, stop_process, relay_heap_bytes,
# write_postfix_config
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }'; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }

# --- our relay: the JVM options the operator renders for LIMIT (RelayJvmOptions), or JAVA_OPTS ------------------
# JAVA_TOOL_OPTIONS='...' and MALLOC_ARENA_MAX=2, as the operator sets them in the relay container, into array $1
rendered_env() { # array limit
    local -n into=$1
    local assignment value
    while IFS= read -r assignment; do
        value=${assignment#*=}; value=${value#\'}; value=${value%\'}
        into+=("${assignment%%=*}=$value")
    done < <("$JAVA" -cp "$APP_JAR" io.mailrelay.config.RelayJvmOptions "$2" 2>/dev/null)
    ((${#into[@]})) || die "$2 is not a memory quantity (e.g. 192Mi)"
}
RELAY_ENV=() RELAY_DKIM_ENV=()
if [[ -z $JAVA_OPTS ]]; then
    [[ -f $APP_JAR ]] || die "the application classes (target/quarkus-app/app/*.jar) are missing"
    rendered_env RELAY_ENV "$LIMIT"
    rendered_env RELAY_DKIM_ENV "$DKIM_LIMIT"
fi
# the image's own options (Dockerfile, JAVA_OPTS_APPEND) besides the memory options
BASE_OPTS="-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75 -Djava.io.tmpdir=$WORK -Dfile.encoding=UTF-8"

dkim_section() {
    [[ $1 == relay-dkim ]] || return 0
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/$1/dkim.pem" 2>/dev/null
    cat <<EOF
dkim:                # every message signed (smtp-source's From: is the sender's domain)
  domains: [{domain: client.bench.test, selector: bench, keyFile: $WORK/$1/dkim.pem}]
  signAllWith: client.bench.test
EOF
}

start_relay() { # relay | relay-dkim
    local name=$1 dir=$WORK/$1
    mkdir -p "$dir/spool"
    cat >"$dir/relay.yaml" <<EOF
server:
  listenAddress: "$SERVER_IP"
  port: ${PORT[$name]}
  hostname: relay.bench.test
allowedNetworks: ["$CLIENT_IP/32"]
outbound:            # every recipient is external: through the smarthost, no recipient callout
  mode: smarthost
  smarthost: {host: "$SINK_IP", port: $SINK_PORT, tls: none}
limits:              # no limit that the Postfix side does not have either
  maxMessageSize: $MESSAGE_SIZE_LIMIT
  maxConnections: 500
  maxConnectionsPerClient: 200
  maxMessagesPerClientPerMinute: 100000000
spool:
  directory: $dir/spool
$(dkim_section "$name")
EOF
    local jfr=
    [[ -z $JFR ]] || jfr="-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=$JFR/$name.jfr"
    # shellcheck disable=SC2086
    local relay_env=("${RELAY_ENV[@]}")
    [[ $name != relay-dkim ]] || relay_env=("${RELAY_DKIM_ENV[@]}")
    env "${relay_env[@]}" "$JAVA" $BASE_OPTS $JAVA_OPTS $jfr -Dquarkus.http.host=127.0.0.1 \
        -Dquarkus.http.port=${HTTP_PORT[$name]} -jar "$JAR" relay --config "$dir/relay.yaml" >"$dir/relay.log" 2>&1 &
    PID[$name]=$!
    await_port "$SERVER_IP" "${PORT[$name]}" 120 "${PID[$name]}" \
        || die "$name did not start: $(tail -n 30 "$dir/relay.log")"
}

# --- Postfix: an instance of its own (bench/lib.sh), the same policy: the client in mynetworks, the smarthost ----
start_postfix() {
    local base=$WORK/postfix
    write_postfix_config "$base" postfix-bench "$SERVER_IP" "$POSTFIX_PORT"
    cat >>"$base/etc/main.cf" <<EOF
mynetworks = $CLIENT_IP/32
relayhost = [$SINK_IP]:$SINK_PORT
message_size_limit = $MESSAGE_SIZE_LIMIT
default_destination_concurrency_limit = $POSTFIX_CONCURRENCY
EOF
    postfix -c "$base/etc" start >/dev/null 2>&1 || die "postfix did not start: $(cat "$base/maillog" 2>/dev/null)"
    POSTFIX_UP=1
    await_port "$SERVER_IP" "$POSTFIX_PORT" 60 $$ || die "postfix is not listening: $(cat "$base/maillog")"
    PID[postfix]=$(tr -d ' ' <"$base/queue/pid/master.pid")
}

# --- one measured run ----------------------------------------------------------------------------------
SENT=0
declare -A E2E=() ACCEPT=()          # "label server" -> e2e / accepted msg/s; MS["label server"]: ms per message
declare -A MS=()

run() { # server label sessions count
    local server=$1 label=$2 sessions=$3 count=$4 pid=${PID[$1]} sampler base start accepted done_at
    base=$(sink_count)
    [[ $server == relay* ]] && echo 5 >"/proc/$pid/clear_refs"   # resets VmHWM: the peak of this run only
    "$PYTHON" "$HERE/procmem.py" "$pid" "$SAMPLE_INTERVAL" smtpd,cleanup,qmgr,smtp >"$WORK/mem.$label.$server" &
    sampler=$!
    log "$server/$label: smtp-source -s $sessions -m $count -l $SIZE (load $(cut -d' ' -f1 /proc/loadavg))"
    start=$(now)
    timeout "$RUN_TIMEOUT" smtp-source -s "$sessions" -m "$count" -l "$SIZE" -M client.bench.test \
        -f "$SENDER" -t "$RECIPIENT" "$SERVER_IP:${PORT[$server]}" >"$WORK/source.$label.$server" 2>&1 \
        || die "$server/$label: smtp-source failed: $(tail -n 5 "$WORK/source.$label.$server")"
    accepted=$(now)
    await_sink $((base + count)) "$RUN_TIMEOUT" \
        || die "$server/$label: the sink got $(($(sink_count) - base)) of $count within ${RUN_TIMEOUT}s"
    done_at=$(now)
    kill "$sampler"; wait "$sampler" || true
    # shellcheck disable=SC2034 # peak_named_rss, peak_named_pss: set by the sampler's output, not shown
    local samples peak_rss peak_pss peak_named_rss peak_named_pss max_procs hwm=- heap=-
    eval "$(cat "$WORK/mem.$label.$server")"
    if [[ $server == relay* ]]; then
        hwm=$(mb "$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")")
        heap=$(awk -v b="$(relay_heap_bytes "${HTTP_PORT[$server]}")" 'BEGIN { printf "%.0f", b / 1048576 }')
    fi
    local accept_s e2e_s
    accept_s=$(elapsed "$start" "$accepted")
    e2e_s=$(elapsed "$start" "$done_at")
    SENT=$((SENT + count))
    E2E["$label $server"]=$(rate "$count" "$e2e_s")
    ACCEPT["$label $server"]=$(rate "$count" "$accept_s")
    MS["$label $server"]=$(awk -v n="$count" -v s="$e2e_s" 'BEGIN { printf "%.2f", s * 1000 / n }')
    RESULTS+=("$(printf '%s\t' "$label" "$server" "$sessions" "$count" "$SIZE" "$accept_s" "${ACCEPT["$label $server"]}" \
        "$e2e_s" "${E2E["$label $server"]}" "${MS["$label $server"]}" "$hwm" "$(mb "$peak_pss")" "$heap" \
        "$max_procs" "$(cut -d' ' -f1 /proc/loadavg)")")
    sleep 2   # lets the server finish removing what it delivered before the next run
}

RELAYS=relay
[[ $DKIM == 1 ]] && RELAYS="relay relay-dkim"

# Cold: every server freshly started, its first COUNT messages; then the servers take turns run by run, so that a
# change in the machine's load hits all alike.
bench_all() {
    local round server
    for server in $RELAYS postfix; do run "$server" cold "$SESSIONS" "$COUNT"; done
    for ((round = 1; round <= ROUNDS; round++)); do
        for server in $RELAYS postfix; do run "$server" "warm$round" "$SESSIONS" "$COUNT"; done
    done
    for server in relay postfix; do run "$server" one "1" "$ONE_COUNT"; done
    for server in relay postfix; do run "$server" many "$MANY_SESSIONS" "$MANY_COUNT"; done
}

describe() {
    echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    machine_line
    echo "disk:     $(df -PT "$WORK" | awk 'NR == 2 { print $2 " on " $1 }') (both queues)"
    echo "java:     $("$JAVA" -version 2>&1 | head -n 1)"
    echo "relay:    $BASE_OPTS ${JAVA_OPTS:-${RELAY_ENV[*]} (rendered for LIMIT=$LIMIT)}"
    [[ $DKIM != 1 ]] || echo "dkim:     $BASE_OPTS ${JAVA_OPTS:-${RELAY_DKIM_ENV[*]} (rendered for DKIM_LIMIT=$DKIM_LIMIT)}"
    echo "postfix:  $(postconf -d -h mail_version), destination concurrency $POSTFIX_CONCURRENCY"
    echo "load:     $ROUNDS warm rounds; $SESSIONS sessions, $COUNT x $SIZE bytes per cold and warm run"
}

print_table() {
    printf '%s\n' "run	server	sessions	msgs	size	accept_s	accept/s	e2e_s	e2e/s	ms/msg	VmHWM_MB	PSS_all_MB	heap_MB	procs	load1" \
        "${RESULTS[@]}" | column -t -s $'\t'
    cat <<'LEGEND'

accept_s, accept/s: wall time of smtp-source (every message answered 250) and messages/second accepted
e2e_s, e2e/s:       from the first connection until the sink had received every message of the run
ms/msg:             e2e_s per message (over 1 session: the time one message takes, end to end)
VmHWM_MB:           our JVM's peak resident set during the run (/proc/PID/status VmHWM, reset to the current RSS before each run)
PSS_all_MB:         peak of the sampled sum of PSS over all the server's processes (Postfix: master and children)
heap_MB:            our JVM: jvm_memory_used_bytes{area="heap"} summed over the pools, from /q/metrics after the run
procs:              the most processes of the server seen in one sample; load1: the 1-minute load average at the end
LEGEND
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# figure, relay value, Postfix value, higher-is-better (1) or lower (0), target ratio or "-"
STATUS=0
compare() {
    local ratio verdict=
    ratio=$(awk -v a="$2" -v b="$3" -v up="$4" 'BEGIN { printf "%.2f", up ? a / b : b / a }')
    if [[ $5 != - ]]; then
        if awk -v r="$ratio" -v t="$5" 'BEGIN { exit !(r >= t) }'; then verdict="ok (>= $5)"; else verdict="MISS (>= $5)"; STATUS=1; fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$ratio" "$verdict"
}

summary() {
    local warm_relay=() warm_dkim=() warm_postfix=() round
    for ((round = 1; round <= ROUNDS; round++)); do
        warm_relay+=("${E2E["warm$round relay"]}")
        warm_postfix+=("${E2E["warm$round postfix"]}")
        [[ $DKIM == 1 ]] && warm_dkim+=("${E2E["warm$round relay-dkim"]}")
    done
    {
        echo "figure (end to end, $SIZE bytes)	relay	postfix	ratio	target (issue 17)"
        compare "first $COUNT after start, $SESSIONS sessions, msg/s" "${E2E["cold relay"]}" "${E2E["cold postfix"]}" 1 "$COLD_TARGET"
        compare "warm, $SESSIONS sessions, msg/s (median of $ROUNDS)" "$(median "${warm_relay[@]}")" "$(median "${warm_postfix[@]}")" 1 "$WARM_TARGET"
        if [[ $DKIM == 1 ]]; then
            compare "DKIM on: first $COUNT after start, msg/s" "${E2E["cold relay-dkim"]}" "${E2E["cold postfix"]}" 1 -
            compare "DKIM on: warm, msg/s (median of $ROUNDS)" "$(median "${warm_dkim[@]}")" "$(median "${warm_postfix[@]}")" 1 -
        fi
        compare "1 session: ms per message" "${MS["one relay"]}" "${MS["one postfix"]}" 0 -
        compare "$MANY_SESSIONS sessions, msg/s" "${E2E["many relay"]}" "${E2E["many postfix"]}" 1 -
    } >"$WORK/summary"
    column -t -s $'\t' "$WORK/summary"
    echo "ratio: relay/Postfix for msg/s, Postfix/relay for ms per message (above 1: the relay is better);" \
        "Postfix signs nothing (DKIM rows: the same Postfix figures)"
}

start_sink "$WORK" "$SINK_IP" "$SINK_PORT"
DESCRIPTION=$(describe)
start_postfix
for server in $RELAYS; do start_relay "$server"; done
bench_all
sleep 3
RECEIVED=$(sink_count)
echo "$DESCRIPTION"
echo "end:      load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sink:     received $RECEIVED messages, $SENT sent$([[ $RECEIVED == "$SENT" ]] || echo ' (MISMATCH: lost or duplicated mail)')"
echo
print_table
TABLE_PRINTED=1
echo
summary
[[ $RECEIVED == "$SENT" ]] || STATUS=1
exit $STATUS
