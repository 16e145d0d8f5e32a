"""Operator library: what the `imgpipe` commands do, as plain functions over a `Stack` (no click here)."""
