"""Reproducible studies: one module per study with ``run(out_dir, quick=False) -> dict``
that writes a markdown report and figures to ``out_dir`` (``roughatlas study NAME``)."""
