"""Interpreter settings for the batch paths (no Flask, no Celery: plain Python)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
