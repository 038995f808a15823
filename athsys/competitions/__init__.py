"""Competitions: seeding into heats, lane draws and advancement from round to round."""
