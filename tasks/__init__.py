"""Celery plumbing: the app, the dispatch of jobs after commit, and thin tasks.

A task loads its input by id, calls a service of ``athsys``, commits, and lets
``tasks.dispatch`` send the follow-ups the service asked for.
"""
