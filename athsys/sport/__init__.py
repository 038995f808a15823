"""The sport's vocabulary: pure rules every other package speaks, with no database.

- :mod:`~athsys.sport.marks`: marks in their stored unit (ms, mm, points) and the notation
  they are written in; wind.
- :mod:`~athsys.sport.disciplines`: the catalogue of disciplines (what each measures, how its
  races are run).
- :mod:`~athsys.sport.event_codes`: event codes as meet software writes them (``110mH(99.1)``,
  ``SP7.26``, ``4x400mix``, ``XC8K``) read into discipline, kind, distance and specs.
- :mod:`~athsys.sport.age_categories`: age categories (World Athletics/WMA, a federation's
  table as data), whether an athlete fits one, the implements and hurdles of each.
- :mod:`~athsys.sport.ranking`: places with ties, statuses (DNS, DNF, DQ, NM).
- :mod:`~athsys.sport.sex`: the sex of an athlete or an event.
- :mod:`~athsys.sport.combined` and :mod:`~athsys.sport.age_grading`: combined-events points
  and age grading, from the tables shipped in ``data/`` (see ``data/SOURCES.md``).
- :mod:`~athsys.sport.fields`: marshmallow fields reading marks and wind as people write them.

It sits just above the platform (config, db, errors): every package may import it, and it
imports none of them but ``errors`` and ``inputs``.
"""
