"""Independent verifier of ElectionGuard 2.0 election records (egk JSON layout)."""
