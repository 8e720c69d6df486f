"""Export one JSON Schema per event type: ``python -m peerlab.contracts.schemas OUTDIR``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from peerlab.contracts.envelope import Envelope
from peerlab.contracts.events import EVENT_MODELS


def render_all() -> dict[str, str]:
    """File name -> JSON text, stable across runs so a committed copy can be checked."""
    files = {"envelope.json": Envelope.model_json_schema()}
    for type_name, model in sorted(EVENT_MODELS.items()):
        schema = model.model_json_schema()
        schema["title"] = type_name
        schema["x-topic"] = model.TOPIC
        files[f"{type_name}.json"] = schema
    return {name: json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in files.items()}


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "infra/contracts/schemas")
    out.mkdir(parents=True, exist_ok=True)
    for name, text in render_all().items():
        (out / name).write_text(text)
    print(f"wrote {len(render_all())} schemas to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
