"""Array literals for set-based statements, and the collector pause of the batch paths."""

from __future__ import annotations

import gc

import pytest

from athsys.db import int_array, text_array
from athsys.runtime import cyclic_gc_paused

pytestmark = pytest.mark.unit


def test_int_array_literal() -> None:
    assert int_array([3, None, -1, 0]) == "{3,NULL,-1,0}"
    assert int_array([]) == "{}"
    assert int_array(x for x in (1, 2)) == "{1,2}"


def test_int_array_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="format code 'd'"):
        int_array(["1}"])  # type: ignore[list-item]


def test_text_array_quotes_every_element() -> None:
    assert text_array(["C101", None, ""]) == '{"C101",NULL,""}'
    assert text_array(['a"b', "c\\d", "e,f", "{g}", "NULL"]) == (
        '{"a\\"b","c\\\\d","e,f","{g}","NULL"}'
    )


def test_gc_is_paused_inside_and_enabled_again_after() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner use found it paused: it leaves it so
    assert gc.isenabled()


def test_gc_is_enabled_again_after_an_error() -> None:
    @cyclic_gc_paused()
    def failing() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        failing()
    assert gc.isenabled()


def test_gc_left_disabled_by_someone_else_stays_disabled() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
