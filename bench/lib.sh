# Shared by the benchmark scripts (sourced, not run): timing, waiting for a port, and the configuration
# of a Postfix instance of their own, written as src/test/java/io/mailrelay/testing/PostfixInstance does.

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

await_port() { # host port seconds [pid: give up early if it dies]
    local deadline=$((SECONDS + $3))
    until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
        [[ -z ${4:-} ]] || kill -0 "$4" 2>/dev/null || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
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
