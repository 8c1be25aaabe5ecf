"""Shared pytest configuration: Hypothesis profiles (derandomized "ci" profile, no deadline)."""
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=30)
settings.load_profile("ci")
