"""The Python conformance driver uses the binding tests' fake-server harness
(bindings/python/tests/fakeconcur.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bindings" / "python" / "tests"))
