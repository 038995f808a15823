"""Interpreter settings for the batch paths (no Flask, no Celery: plain Python)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a burst of allocations.

    Processing a batch builds and drops hundreds of thousands of small tuples. Each 700
    allocations start a young-generation collection, and the survivors (the batch's own
    lists, alive until it ends) soon trigger full collections that walk every object of the
    process: measured, a third of a batch's time. Reference counting still frees everything
    at once; cycles made meanwhile wait for the collector, which runs again on exit. Usable
    as a decorator. Process-wide: a nested or concurrent use never leaves it disabled, since
    only the use that found it enabled enables it again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on a C library without it (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return getattr(ctypes.CDLL(name), "malloc_trim", None)


def release_free_heap() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim(0)``).

    Python returns its own small-object arenas once they are empty, but the C library keeps
    what larger buffers freed (lists of a catch-up's reads, libpq's result of a large
    query) for reuse, so a worker process otherwise stays at the size of the largest batch
    it ever processed. A few milliseconds; a no-op where the C library has no such call."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
