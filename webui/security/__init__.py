"""Roles, permissions and their synchronisation."""
