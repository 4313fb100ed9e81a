"""The reference ``score.py`` with faults a model version carries, for release tests.

A model version whose files include ``fault.json`` (``{"error_rate": 0..1,
"delay_ms": n}``) answers a share of requests with HTTP 500 and/or slower:
a deliberately broken version, served by the real inference server.
Versions without the file behave exactly like the reference example.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

EXAMPLE_SRC = Path(__file__).resolve().parents[3] / "examples" / "compliance_nlp" / "src"
sys.path.insert(0, str(EXAMPLE_SRC))

import score as reference  # noqa: E402

_fault: dict[str, float] = {}


def init() -> None:
    reference.init()
    _fault.clear()
    for path in Path(os.environ["AZUREML_MODEL_DIR"]).rglob("fault.json"):
        _fault.update(json.loads(path.read_text(encoding="utf-8")))


def run(raw_data: Any) -> Any:
    if _fault.get("delay_ms"):
        time.sleep(float(_fault["delay_ms"]) / 1000)
    if random.random() < float(_fault.get("error_rate", 0.0)):
        return reference._error("injected fault", 500)
    return reference.run(raw_data)
