"""Measurement routines that make two real boards work, saved as a YAML profile."""
