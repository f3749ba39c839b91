"""Maintenance scripts for lookout_sdk (not part of the installed package)."""
