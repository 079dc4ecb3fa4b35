"""Paired whole-process CPU time for bench/*.bench.ts (python3, standard library only).

Node cannot read a child's rusage, and GNU time prints CPU time in 10 ms steps, so the
benches ask this script: it runs each command of a spec in turn, round after round (so
every command of a round shares the same moment of a busy machine), and reports per run
the CPU time (user + sys from wait4), the wall time, the peak RSS and the exit code.

  python3 bench/cpu-time.py '{"runs": 15, "warmup": 2, "cmds": [{"name": "node",
    "argv": ["/usr/bin/node", "-e", "0"], "cwd": "/tmp", "env": {"NO_COLOR": "1"}}]}'

prints {"node": [{"cpu_ms": …, "wall_ms": …, "rss_kib": …, "code": 0}, …]}.
"""

import json
import os
import sys
import time


def run_once(cmd, devnull):
    env = {**os.environ, **cmd.get("env", {})}
    cwd = cmd.get("cwd")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: stdio to /dev/null, then exec
        try:
            if cwd:
                os.chdir(cwd)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.execve(cmd["argv"][0], cmd["argv"], env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    return {
        "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
        "wall_ms": wall,
        "rss_kib": usage.ru_maxrss,
        "code": os.waitstatus_to_exitcode(status),
    }


def main():
    spec = json.loads(sys.argv[1])
    runs, warmup = spec.get("runs", 15), spec.get("warmup", 2)
    devnull = os.open(os.devnull, os.O_RDWR)
    out = {c["name"]: [] for c in spec["cmds"]}
    for i in range(warmup + runs):
        for cmd in spec["cmds"]:
            r = run_once(cmd, devnull)
            if i >= warmup:
                out[cmd["name"]].append(r)
    json.dump(out, sys.stdout)


main()
