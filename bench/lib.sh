# Shared by the benchmark scripts (sourced, not run): timing, waiting for a port, the smtp-sink upstream and its
# counter, stopping a process, the relay's heap, and the configuration of a Postfix instance of their own, written
# as src/test/java/io/mailrelay/testing/PostfixInstance does. The caller defines die().

now() { date +%s.%N; }

# The relay pod's default memory limit, as the operator renders it (PodTemplateFactory.DEFAULT_MEMORY).
default_relay_limit() { # repository root [rsa-signing: the default of a relay that signs with an RSA key]
    local constant=DEFAULT_MEMORY
    [[ ${2:-} != rsa-signing ]] || constant=DEFAULT_MEMORY_RSA_SIGNING
    grep -o "$constant = \"[^\"]*\"" "$1/src/main/java/io/mailrelay/operator/render/PodTemplateFactory.java" | cut -d'"' -f2
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

await_port() { # host port seconds [pid: give up early if it dies]
    local deadline=$((SECONDS + $3))
    until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
        [[ -z ${4:-} ]] || kill -0 "$4" 2>/dev/null || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

machine_line() { # the machine and its load now: every figure of a shared machine is read beside its load average
    echo "machine:  $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM," \
        "load average at start $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
}

# --- the upstream: one smtp-sink, counting messages (-c) into DIR/sink.count; sets SINK_PID and SINK_FILE
start_sink() { # dir ip port
    SINK_FILE=$1/sink.count
    smtp-sink -u nobody -c "$2:$3" 256 >"$SINK_FILE" 2>"$1/sink.err" &
    SINK_PID=$!
    await_port "$2" "$3" 10 "$SINK_PID" || die "smtp-sink did not start: $(cat "$1/sink.err")"
}

# the counter line is rewritten with \r after every "." the sink received: "sess=.. quit=.. mesg=N"
sink_count() {
    local last
    last=$(tail -c 100 "$SINK_FILE" | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -n 1)
    echo "${last#mesg=}"
}

await_sink() { # target-count deadline-seconds [pid: give up early if it dies]; true when reached
    local deadline=$((SECONDS + $2)) count
    while :; do
        count=$(sink_count)
        ((${count:-0} >= $1)) && return 0
        [[ -z ${3:-} ]] || kill -0 "$3" 2>/dev/null || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

stop_process() { # pid: SIGTERM, up to 40 s to end (the relay drains its sessions), then SIGKILL
    kill "$1" 2>/dev/null || true
    local deadline=$((SECONDS + 40))
    while kill -0 "$1" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true   # 143: it ended on our SIGTERM
}

# the relay's heap: jvm_memory_used_bytes{area="heap",...} summed over the pools, in bytes (0 if unreadable)
relay_heap_bytes() { # http-port
    curl -sf "http://127.0.0.1:$1/q/metrics" 2>/dev/null \
        | awk '/^jvm_memory_used_bytes\{/ && /area="heap"/ { sum += $NF } END { printf "%.0f", sum }'
}

# Writes BASE/etc/main.cf and master.cf for an instance listening on IP:PORT, with its queue, data and
# log under BASE, no chroot, no DNS. The caller appends its own policy to BASE/etc/main.cf.
write_postfix_config() { # base syslog-name ip port
    local base=$1
    mkdir -p "$base/etc" "$base/queue" "$base/data"
    chmod 755 "$base"
    chown postfix "$base/data"
    cat >"$base/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $base/queue
data_directory = $base/data
maillog_file = $base/maillog
maillog_file_prefixes = $base
syslog_name = $2
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
biff = no
# no DNS at all
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
CF
    {
        echo "$3:$4 inet n - n - - smtpd"
        # Debian's master.cf without its inet services and without chroot
        awk '/^[#[:space:]]/ || NF == 0 { if (!skip) print; next }
             $2 == "inet" || NF < 8 { skip = 1; next }
             { skip = 0; $5 = "n"; print }' /etc/postfix/master.cf
    } >"$base/etc/master.cf"
}
