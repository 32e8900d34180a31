"""Test-wide settings shared by tests/ and the notebooks run under nbval."""

import os

# The tutorial notebooks read this to shrink their trial budgets (nbval's kernels inherit it).
os.environ.setdefault("WORKBENCH_QUICK", "1")

# Notebooks that tests open in a browser, not tutorials to run under nbval.
collect_ignore_glob = ["tests/notebooks/*"]
