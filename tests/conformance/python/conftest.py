"""The Python conformance run uses the binding tests' fake-server harness
(bindings/python/tests/fakeconcur.py) and shares its server."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bindings" / "python" / "tests"))

from fakeconcur import fake, fake_server, fresh_fake, setup  # noqa: E402,F401
