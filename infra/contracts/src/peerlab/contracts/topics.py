"""Topic names: one topic per publishing service, keyed by aggregate id."""

SUBMISSIONS = "peerlab.submissions"
REVIEW = "peerlab.review"
PROJECTS = "peerlab.projects"
SCHEDULING = "peerlab.scheduling"
ROSTER = "peerlab.roster"

ALL = (SUBMISSIONS, REVIEW, PROJECTS, SCHEDULING, ROSTER)


def dead_letter_topic(consumer_name: str) -> str:
    """Where a consumer parks a message that keeps failing, with the error in its headers."""
    return f"peerlab.dlq.{consumer_name}"
