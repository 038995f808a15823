"""What each role sees first after logging in: today's competitions and its next work.

:func:`athsys.home.service.home_for` assembles the sections of one actor's home from the
figures of :mod:`~athsys.home.meet_status` (the meet director's dashboard),
:mod:`~athsys.home.officials` (starter, field judge, registrar) and
:mod:`~athsys.home.people` (coach, athlete). Everything is read from PostgreSQL in a few
aggregate queries; the page asks again every 30 seconds.
"""
