"""Scheduled jobs: the registry of named jobs (registry.py), the jobs themselves (outbox.py)
and the schedules that run them in AWS (schedules.py; `make run` runs them from a thread)."""
