"""Leaderboards and live results: ranked by workers, kept in Redis, read by the public pages."""
