"""What processing changed: results, the events to refresh, reads set apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from athsys.timing.models import ReadFlag


@dataclass
class ProcessingOutcome:
    """Counts of one processing run (a batch, a correction), reported by the task."""

    results_created: int = 0
    results_updated: int = 0
    results_deleted: int = 0
    results_kept: int = 0  # a newer or outranking result was kept
    waiting_for_gun: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    event_ids: set[int] = field(default_factory=set)
    reads: int = 0  # reads of the batches processed (a catch-up: all of them)
    seconds: float = 0.0  # processing under the competition's lock, commit not included

    @property
    def results_changed(self) -> int:
        return self.results_created + self.results_updated + self.results_deleted

    def count_flag(self, flag: ReadFlag) -> None:
        self.flagged[flag.value] = self.flagged.get(flag.value, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "results_created": self.results_created,
            "results_updated": self.results_updated,
            "results_deleted": self.results_deleted,
            "results_kept": self.results_kept,
            "waiting_for_gun": self.waiting_for_gun,
            "flagged": dict(self.flagged),
            "event_ids": sorted(self.event_ids),
            "reads": self.reads,
            "seconds": round(self.seconds, 3),
        }
