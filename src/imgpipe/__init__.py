"""Operator CLI and local runner for imgpipe (never deployed)."""
