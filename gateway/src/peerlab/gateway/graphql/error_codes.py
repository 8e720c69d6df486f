"""The services' stable problem codes, per domain: the values of the error-code enums in the SDL.

A test reads every service's source for the codes it can answer with and fails when one is
missing here. ``COMMON`` are the codes any service (the chassis) or the gateway itself may give.
"""

from __future__ import annotations

COMMON = (
    # the chassis: HTTP defaults, validation, auth, guards, load
    "bad_request", "unauthorized", "invalid_token", "token_expired", "forbidden", "not_found",
    "method_not_allowed", "not_acceptable", "conflict", "length_required", "too_large",
    "unsupported_media_type", "validation_error", "too_many_requests", "invalid_characters",
    "too_busy", "service_unavailable",
    # the gateway
    "unauthenticated", "too_many_backend_calls",
    # a code this gateway does not know yet (the message names it): the stale-enum test prevents it
    "unknown_error",
)

SUBMISSIONS = (
    "assignment_closed", "assignment_exists", "calendar_date_unknown", "deadline_from_calendar",
    "deadline_passed", "expiry_in_past", "expiry_too_far", "filter_required", "group_required",
    "idempotency_key_reused", "invalid_assignment", "invalid_deadline", "invalid_file_rules",
    "invalid_idempotency_key", "invalid_time", "kind_immutable", "lab_number_taken", "malformed_body",
    "not_allowed", "not_open", "nothing_to_withdraw", "sha256_mismatch", "size_mismatch", "upload_aborted",
    "upload_already_accepted", "upload_gone", "upload_missing", "upload_timeout",
    # the file validators' rejections
    "wrong_file_type", "file_name_rule", "not_json", "invalid_notebook", "too_complex", "empty_file",
    "invalid_pdf", "too_many_pages", "missing_repository_url", "unsafe_file_name", "too_many_files", "no_file",
)

REVIEW = (
    "already_flagged", "answer_too_long", "assignment_not_closed", "handed_in", "not_a_lab", "not_handed_in",
    "override_only_for_pass", "override_reason_required", "review_already_submitted", "review_incomplete",
    "review_window_closed", "round_allocated", "rubric_missing", "score_out_of_range", "student_not_enrolled",
    "task_inactive", "too_many_ids", "unexpected_override_reason", "unknown_lab", "unknown_rubric_key",
    "unknown_student",
)

PROJECTS = (
    "allocation_conflict", "already_in_group", "duplicate_choice", "duplicate_subproject", "group_dissolved",
    "group_full", "no_bundled_catalogue", "no_members", "not_a_supervisor", "not_on_roster",
    "override_reason_required", "project_full", "project_in_use", "selection_closed", "too_many_choices",
    "unexpected_override_reason", "unknown_join_code", "unknown_project", "unknown_subproject",
)

SCHEDULING = (
    "booking_closed", "booking_not_open", "capacity_below_bookings", "grade_conflict", "grade_final",
    "grade_not_on_scale", "grades_not_released", "group_already_booked", "group_dissolved",
    "group_does_not_present", "invalid_calendar", "invalid_time_zone", "no_draft_plan", "no_final_grade",
    "no_slots", "no_such_week", "not_an_examiner", "not_assigned_examiner", "not_your_grade", "plan_infeasible",
    "plan_time_limit", "print_already_requested", "print_quota_exhausted", "report_not_graded", "slot_full",
    "slot_has_bookings", "slot_started", "too_many_slots", "too_many_weeks", "unknown_exam_day",
    "unknown_examiner", "unknown_group", "unknown_student", "window_outside_exam_day",
)

BY_DOMAIN = {"submissions": SUBMISSIONS, "review": REVIEW, "projects": PROJECTS, "scheduling": SCHEDULING}
