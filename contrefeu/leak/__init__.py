"""Authenticating a leaked mail dump: DKIM/ARC verification, key archives, findings."""
