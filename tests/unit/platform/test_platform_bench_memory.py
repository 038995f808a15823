"""The marathon replay's memory figures: PSS counts a page a forked child shares with its
parent once over the two, where RSS counts it in each (ops/bench/marathon_replay.py)."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from ops.bench.marathon_replay import pss_mib

pytestmark = pytest.mark.unit


def test_pss_counts_the_pages_a_fork_shares_with_its_parent_once() -> None:
    ballast = bytearray(64 * 2**20)
    for offset in range(0, len(ballast), 4096):  # touch every page: resident
        ballast[offset] = 1
    pid = os.fork()
    if pid == 0:  # the child: shares the ballast copy-on-write, writes nothing
        time.sleep(30)
        os._exit(0)
    try:
        rss = psutil.Process(pid).memory_info().rss / 2**20
        pss = pss_mib(pid)
        assert rss > 64  # the child's RSS counts all of the shared ballast
        assert pss < rss - 25  # its PSS half of it: the parent holds the other half
        assert pss_mib(os.getpid()) < psutil.Process().memory_info().rss / 2**20 - 25
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
