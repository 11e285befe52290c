"""Run every verification script."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).parent

for name in ("progression",):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
