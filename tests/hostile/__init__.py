"""Hostile inputs: generated corpus, engine runner, tests."""
