"""Capabilities of the main job's simulated compute hosts (data only)."""
