"""How many reads a worker that fell behind takes along in one catch-up.

A catch-up (:func:`athsys.timing.service.process_batch`) processes the waiting batches of a
competition in one transaction: the larger it is, the fewer times a runner's reads are
loaded, but every batch in it waits for the whole of it, and the leaderboards are refreshed
only after its commit. With a fixed bound of 50,000 reads, a worker behind at a marathon's
start mat caught up in ever larger transactions (each longer than the last, so the backlog
behind it grew too), and a finish read stored then waited 10 – 15 s for the board.

:class:`CatchUpPace` sizes each catch-up from the reads a second the previous one achieved,
so that it commits within about :data:`CATCH_UP_TARGET_S` whatever the load: the oldest
waiting batches go first (:func:`athsys.timing.service._waiting_batches`), and a batch stored
behind a backlog waits for the backlog to drain, not for one ever larger transaction.
One pace per worker process: it measures that process on that machine.
"""

from __future__ import annotations

from dataclasses import dataclass

CATCH_UP_TARGET_S = 1.0
"""How long a catch-up should take, lock to end of processing."""
CATCH_UP_MIN_READS = 2_000
"""The least a catch-up takes along: below it the fixed cost of a transaction (lookups of
the timing points, the heats, the commit) outweighs the reads, and a pace measured on a
few reads says little."""


@dataclass
class CatchUpPace:
    """The catch-up budget of one worker process, from the pace of its last catch-up."""

    target_s: float = CATCH_UP_TARGET_S
    min_reads: int = CATCH_UP_MIN_READS
    max_reads: int = 50_000
    reads_per_s: float | None = None

    def budget(self) -> int:
        """Reads to process in the next catch-up, the batch of the task included: the
        reads done in ``target_s`` at the last pace, between ``min_reads`` and ``max_reads``
        (``min_reads`` before any pace was measured)."""
        if self.reads_per_s is None:
            return self.min_reads
        return max(self.min_reads, min(self.max_reads, int(self.reads_per_s * self.target_s)))

    def observe(self, reads: int, seconds: float) -> None:
        """Remember the pace of a catch-up of ``reads`` reads that took ``seconds``.

        Every catch-up counts, small ones too: a catch-up rarely fills its budget exactly
        (batches are not split), so one that only counted from a size on could stay below
        it for ever. A small batch's fixed costs make the pace look slow, which matters only
        while the worker keeps up; once it is behind, each catch-up is larger than the last
        until one takes about ``target_s``."""
        if seconds > 0:
            self.reads_per_s = reads / seconds
