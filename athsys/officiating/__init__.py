"""Officiating: running the meet's rounds and heats, and what follows a heat made official.

:mod:`~athsys.officiating.planning` seeds rounds into heats and advances qualifiers;
:mod:`~athsys.officiating.service` starts, finishes and makes heats official (records, PB/SB
and notifications follow in the same transaction). It sits above results, timing, records and
notifications, which it calls; nothing below it imports it.
"""
