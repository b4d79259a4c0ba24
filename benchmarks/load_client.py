"""The client side of benchmarks/bench_load.py: open- and closed-loop HTTP load, and the machine's load.

One HTTP/1.1 connection per request (gunicorn's sync workers close each one after the
response). In the open loop, request i is sent at start + i / rate whatever became of the
earlier ones, and its latency counts from that scheduled time, so a stall of the server
(or of this client) shows in the figures instead of quietly lowering the offered load.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import resource
import time
from dataclasses import dataclass, field

REQUEST_TIMEOUT_S = 30.0


@dataclass
class Sample:
    """What one run of one endpoint saw: latencies in seconds, and failures."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds (failed requests count at their time out)."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(math.ceil(p / 100 * len(ordered)), 1)
        return ordered[rank - 1] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def send(port: int, request: bytes) -> int:
    """Send one request on a new connection, read the whole response, return its status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        else:
            await reader.read()
        return status
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def open_loop(port: int, requests: list[bytes], expected: int, rate: float, duration: float) -> Sample:
    """Offer `rate` requests/s for `duration` s; each latency counts from its scheduled send time."""
    sample = Sample()
    loop = asyncio.get_running_loop()
    total = int(rate * duration)
    start = loop.time() + 0.1

    async def one(i: int) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(scheduled - loop.time(), 0))
        try:
            status = await asyncio.wait_for(send(port, requests[i % len(requests)]), REQUEST_TIMEOUT_S)
            if status != expected:
                sample.errors += 1
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            sample.errors += 1
        sample.latencies.append(loop.time() - scheduled)

    await asyncio.gather(*(one(i) for i in range(total)))
    sample.seconds = duration
    return sample


async def closed_loop(
    port: int, requests: list[bytes], expected: int, clients: int, duration: float
) -> Sample:
    """`clients` clients, each sending its next request when the last is answered."""
    sample = Sample()
    loop = asyncio.get_running_loop()
    end = loop.time() + duration

    async def client(number: int) -> None:
        i = number
        while loop.time() < end:
            sent = loop.time()
            try:
                status = await asyncio.wait_for(send(port, requests[i % len(requests)]), REQUEST_TIMEOUT_S)
                if status != expected:
                    sample.errors += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                sample.errors += 1
            sample.latencies.append(loop.time() - sent)
            i += clients

    began = loop.time()
    await asyncio.gather(*(client(n) for n in range(clients)))
    sample.seconds = loop.time() - began
    return sample


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (user, system, interrupts) since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _group_cpu_seconds(group: int) -> float:
    """CPU seconds of the processes in a process group, with the children they have reaped.

    gunicorn's master reaps the workers it recycles, so their CPU moves into its own
    children's time and is still counted.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; then utime, stime, cutime, cstime
            ticks += sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def measured(run: object, server_group: int) -> dict:
    """Run a coroutine; return its Sample's figures with the machine's load meanwhile."""
    busy, own, server = _busy_cpu_seconds(), _own_cpu_seconds(), _group_cpu_seconds(server_group)
    began = time.monotonic()
    sample: Sample = asyncio.run(run)  # type: ignore[arg-type]
    wall = time.monotonic() - began
    busy = _busy_cpu_seconds() - busy
    own = _own_cpu_seconds() - own
    server = _group_cpu_seconds(server_group) - server
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load = float(loadavg.read().split()[0])
    return {
        "requests": len(sample.latencies),
        "errors": sample.errors,
        "rps": sample.rps,
        "p50_ms": sample.percentile(50),
        "p95_ms": sample.percentile(95),
        "p99_ms": sample.percentile(99),
        "cores_busy": busy / wall,
        "server_cores": server / wall,
        "server_cpu_ms": 1000 * server / max(len(sample.latencies), 1),
        "client_cores": own / wall,
        # Neither gunicorn nor this client: the kernel, PostgreSQL's server processes and
        # the other engineers' work on this shared machine.
        "other_cores": max(busy - own - server, 0.0) / wall,
        "loadavg_1min": load,
    }
