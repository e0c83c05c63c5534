"""Fixtures: the fake Concur server (see fakeconcur.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakeconcur import fake, fake_server, fresh_fake, setup  # noqa: E402,F401
