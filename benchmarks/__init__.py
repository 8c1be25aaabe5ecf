"""Reproducible speed comparisons: ratios against a reference measured in the same run."""
