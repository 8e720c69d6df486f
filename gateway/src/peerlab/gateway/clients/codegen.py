"""Generate the gateway's client models from the services' committed ``openapi.json`` (dev time).

``python -m peerlab.gateway.clients.codegen`` rewrites ``clients/models/<service>.py`` with
datamodel-code-generator (a pinned dev dependency); a test regenerates them and fails when the
committed files are stale, so a field renamed in a service breaks a test, not a request.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SERVICES = ("projects", "review", "scheduling", "submissions")
MODELS_DIR = Path(__file__).parent / "models"
REPO_ROOT = Path(__file__).resolve().parents[5]
OPTIONS = (
    "--input-file-type",
    "openapi",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--target-python-version",
    "3.11",
    "--use-standard-collections",
    "--use-union-operator",
    "--field-constraints",
    "--collapse-root-models",
    "--enum-field-as-literal",
    "all",
    "--disable-timestamp",
    "--formatters",
    "black",
    "isort",
)


def spec_of(service: str) -> Path:
    return REPO_ROOT / "services" / service / "openapi.json"


def generate(service: str, output: Path) -> None:
    """Write the models of ``service``'s OpenAPI document to ``output``."""
    command = [
        Path(sys.executable).parent / "datamodel-codegen",
        "--input",
        spec_of(service),
        "--output",
        output,
        *OPTIONS,
    ]
    subprocess.run([str(c) for c in command], check=True, capture_output=True, text=True)


def main() -> None:
    for service in SERVICES:
        target = MODELS_DIR / f"{service}.py"
        generate(service, target)
        print(f"wrote {target.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
