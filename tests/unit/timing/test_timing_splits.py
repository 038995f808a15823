"""Only the difference between stored and computed splits is written."""

from __future__ import annotations

import pytest

from athsys.timing.splits import split_changes

pytestmark = pytest.mark.unit

FINISH = (1, 11, 4)
FIVE_K = (1, 11, 2)
OTHER = (1, 12, 4)


def test_nothing_stored_inserts_everything() -> None:
    changes = split_changes({}, {FINISH: (3000, 2990), FIVE_K: (1500, 1490)},
                            delete_unsupported=True)
    assert changes.insert == {FINISH: (3000, 2990), FIVE_K: (1500, 1490)}
    assert (changes.update, changes.delete) == ({}, [])


def test_unchanged_splits_are_not_written() -> None:
    stored = {FINISH: (3000, 2990)}
    changes = split_changes(stored, {FINISH: (3000, 2990)}, delete_unsupported=True)
    assert not changes
    assert (changes.insert, changes.update, changes.delete) == ({}, {}, [])


def test_a_changed_net_time_alone_is_an_update_of_that_split() -> None:
    stored = {FINISH: (3000, 2990), FIVE_K: (1500, 1490)}
    changes = split_changes(stored, {FINISH: (3000, 2985), FIVE_K: (1500, 1490)},
                            delete_unsupported=False)
    assert changes.update == {FINISH: (3000, 2985)}
    assert (changes.insert, changes.delete) == ({}, [])


def test_a_gun_time_lost_is_an_update_to_null() -> None:
    stored = {FINISH: (3000, 2990)}
    changes = split_changes(stored, {FINISH: (None, 2990)}, delete_unsupported=False)
    assert changes.update == {FINISH: (None, 2990)}


def test_unsupported_splits_go_only_in_a_full_recompute() -> None:
    stored = {FINISH: (3000, 2990), OTHER: (3100, 3100), FIVE_K: (1500, 1490)}
    wanted = {FINISH: (3000, 2990)}
    assert split_changes(stored, wanted, delete_unsupported=True).delete == [FIVE_K, OTHER]
    assert split_changes(stored, wanted, delete_unsupported=False).delete == []
