"""Shared core: what every service relies on."""
