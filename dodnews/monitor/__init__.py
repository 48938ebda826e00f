"""Unattended monitoring: schedules, the due policy, run records, alerts, launching crawls."""
