"""Clubs and athletes: registration data that outlives any one competition."""
