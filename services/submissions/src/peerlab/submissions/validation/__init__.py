"""Validation of hand-in files: pure, synchronous checks plus an off-loop runner.

Everything here is free of I/O except ``off_loop`` (worker processes). Failures are
``ValidationFailure`` with a stable ``code``; non-fatal findings are ``ValidationWarning``.
"""

from .errors import ValidationFailure, ValidationWarning
from .file_names import file_extension, safe_file_name
from .json_guard import parse_json_bounded, scan_shape
from .notebook import NotebookLimits, NotebookReport, validate_notebook
from .off_loop import (
    ValidatorPool,
    default_pool,
    validate_notebook_off_loop,
    validate_upload_off_loop,
)
from .pdf import PdfReport, validate_pdf
from .repository_url import find_repository_url
from .rules import AssignmentFileRules, AssignmentKind, ContentKind, default_rules_for
from .sniff import SNIFF_BYTES, sniff_kind
from .stream import BodyBuffer, StreamGuard, StreamSummary
from .upload import (
    ValidationResult,
    check_file_count,
    check_file_name,
    check_sniffed,
    check_size,
    validate_upload,
)

__all__ = [
    "SNIFF_BYTES",
    "AssignmentFileRules",
    "BodyBuffer",
    "AssignmentKind",
    "ContentKind",
    "NotebookLimits",
    "NotebookReport",
    "PdfReport",
    "StreamGuard",
    "StreamSummary",
    "ValidationFailure",
    "ValidationResult",
    "ValidationWarning",
    "ValidatorPool",
    "check_file_count",
    "check_file_name",
    "check_size",
    "check_sniffed",
    "default_pool",
    "default_rules_for",
    "file_extension",
    "find_repository_url",
    "parse_json_bounded",
    "safe_file_name",
    "scan_shape",
    "sniff_kind",
    "validate_notebook",
    "validate_notebook_off_loop",
    "validate_pdf",
    "validate_upload",
    "validate_upload_off_loop",
]
