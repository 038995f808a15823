"""Scoring from stored results: combined-event standings and age-graded results.

The tables and their arithmetic are pure rules of the sport (:mod:`athsys.sport.combined`,
:mod:`athsys.sport.age_grading`); this package reads the results they apply to.
"""
