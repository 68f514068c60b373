#!/usr/bin/env python3
"""Samples the memory of a process and all its descendants until SIGTERM, then prints the peaks.

    procmem.py ROOT_PID [INTERVAL_SECONDS] [NAME,NAME...]

Each sample sums VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) over the tree; RSS counts
shared pages (libc, Postfix's shared libraries) once per process, PSS divides them among the sharers.
With NAME,NAME... the same sums are also taken over the processes whose comm is listed (e.g. Postfix's
smtpd,cleanup,qmgr,smtp). Output (shell-sourceable, kB): samples, peak_rss, peak_pss, peak_named_rss,
peak_named_pss, max_procs.
"""
import os
import signal
import sys
import time


def children_map():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # the command name may hold spaces and parentheses: the fields follow the last ')'
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents.setdefault(int(fields[1]), []).append(int(entry))
    return parents


def tree(root):
    parents = children_map()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(parents.get(pid, []))
    return pids


def kb_field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def main():
    root = int(sys.argv[1])
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
    names = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else set()
    peaks = dict(samples=0, peak_rss=0, peak_pss=0, peak_named_rss=0, peak_named_pss=0, max_procs=0)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    while not stop and os.path.exists(f"/proc/{root}"):
        rss = pss = named_rss = named_pss = 0
        pids = tree(root)
        for pid in pids:
            r = kb_field(f"/proc/{pid}/status", "VmRSS:")
            p = kb_field(f"/proc/{pid}/smaps_rollup", "Pss:")
            rss, pss = rss + r, pss + p
            if comm(pid) in names:
                named_rss, named_pss = named_rss + r, named_pss + p
        peaks["samples"] += 1
        peaks["max_procs"] = max(peaks["max_procs"], len(pids))
        for key, value in (("peak_rss", rss), ("peak_pss", pss),
                           ("peak_named_rss", named_rss), ("peak_named_pss", named_pss)):
            peaks[key] = max(peaks[key], value)
        time.sleep(interval)
    print(" ".join(f"{key}={value}" for key, value in peaks.items()))


if __name__ == "__main__":
    main()
