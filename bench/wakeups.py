"""What one wake-up of another thread or process costs on this machine.

    python bench/wakeups.py [--rounds 20000]

Two threads hand a token back and forth through ``threading.Event`` (each round
trip wakes each once), then two processes through a socket pair; each on both
cores and then pinned to one. Prints the CPU per round trip (both sides) beside
the wall time. On the 2-core development VM a wake-up across cores costs tens of
microseconds of CPU: that is why the serving worker avoids hand-offs between
threads (docs/capacity.md, "The server").
"""
from __future__ import annotations

import argparse
import os
import socket
import threading
import time


def threads(rounds: int) -> tuple[float, float]:
    ping, pong = threading.Event(), threading.Event()

    def other() -> None:
        for _ in range(rounds):
            ping.wait()
            ping.clear()
            pong.set()

    peer = threading.Thread(target=other)
    peer.start()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        ping.set()
        pong.wait()
        pong.clear()
    peer.join()
    return (time.process_time() - cpu) / rounds, (time.perf_counter() - wall) / rounds


def processes(rounds: int) -> tuple[float, float]:
    mine, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        for _ in range(rounds):
            theirs.recv(1)
            theirs.send(b"x")
        os._exit(0)
    before, wall = os.times(), time.perf_counter()
    for _ in range(rounds):
        mine.send(b"x")
        mine.recv(1)
    os.waitpid(pid, 0)
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])  # this process and the waited-for child
    return cpu / rounds, (time.perf_counter() - wall) / rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20000)
    args = parser.parse_args()
    every = os.sched_getaffinity(0)
    for where, cpus in (("both cores", every), ("one core", {min(every)})):
        os.sched_setaffinity(0, cpus)
        for what, run in (("threads", threads), ("processes", processes)):
            cpu, wall = run(args.rounds)
            print(f"{what} on {where}: {cpu * 1e6:.1f} us of CPU per round trip (two wake-ups), "
                  f"{wall * 1e6:.1f} us wall", flush=True)
    os.sched_setaffinity(0, every)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
