"""Operating an instance: backup and restore (more to come: readiness checks, metrics)."""
