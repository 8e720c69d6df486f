"""The script that made the bundled catalogues, on excerpts shaped like the course plan's text."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "parse_course_plan.py"
spec = importlib.util.spec_from_file_location("parse_course_plan", SCRIPT)
parser = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parser)

PLAN = """intro
Project list 2021

- 1) **Come with your own project.** Requirements: data and problem statement are in place so that time will be spent on modelling. Ideally, team up with other students but one

student teams may be accepted in special circumstances. Supervised by Ole Winther, olwi@dtu.dk and others.

- 2) **Deep Active Learning.** Supervised by Frederik Boe Hüttel (fbohy@dtu.dk) and Ann Other, [MLSM](#) DTU. We want BNNs.
- a) **Bayesian active learning** for structured data. (<https://arxiv.org/pdf/1703.02910.pdf>)
 - b) **Investigate posterior collapse** in BNN.

This project will be in the area between applied and theoretical deep learning.

- 3) **Bioinformatics projects** A number of projects are available supervised by Paolo Marcatili, pamar@dtu.dk (projects b)-d)), Ole Winther, olwi@dtu.dk (projects a) and g)) and Felix Pastor, felix.pastor@cpr.ku.dk (projects d) and e)). Project list:
 - a) **Students come with your own project.**

Extracurricular projects
Project list 2020

- 1) **Come with your own project.** Supervised by Ole Winther.
- 2) **[Few-shot learning](#)**. (supervised by [Giorgio Giannone](#) - gigi@dtu.dk). Few-shot learning.

- Requirements: Good coding skills. Basics in VAEs.
 - Slack channel: **#project15-few-shot-learning**

Project plan
"""


def test_projects_subprojects_supervisors_and_links():
    catalogues = parser.parse(PLAN)
    p2021 = {p["number"]: p for p in catalogues[2021]}
    own = p2021[1]
    assert own["title"] == "Come with your own project" and own["own_project"]
    assert "one student teams may be accepted" in own["description"]  # the broken line is joined
    assert own["requirements"].startswith("data and problem statement")
    active = p2021[2]
    assert [(s["letter"], s["title"]) for s in active["subprojects"]] == [
        ("a", "Bayesian active learning"),
        ("b", "Investigate posterior collapse"),
    ]
    assert active["description"].endswith("between applied and theoretical deep learning.")
    assert active["links"] == [
        {"label": "https://arxiv.org/pdf/1703.02910.pdf", "url": "https://arxiv.org/pdf/1703.02910.pdf"}
    ]
    assert [(s["name"], s["email"], s["organisation"], s["internal"]) for s in active["supervisors"]] == [
        ("Frederik Boe Hüttel", "fbohy@dtu.dk", "DTU", True),
        ("Ann Other", None, "DTU", True),
    ]
    assert [s["name"] for s in p2021[3]["supervisors"]] == ["Paolo Marcatili", "Ole Winther", "Felix Pastor"]


def test_2020_names_without_email_take_it_from_elsewhere_and_lists_are_parsed():
    catalogues = parser.parse(PLAN)
    p2020 = {p["number"]: p for p in catalogues[2020]}
    assert p2020[1]["supervisors"] == [
        {"name": "Ole Winther", "email": "olwi@dtu.dk", "organisation": "DTU", "internal": True}
    ]
    few = p2020[2]
    assert few["title"] == "Few-shot learning"
    assert few["requirements"] == "Good coding skills. Basics in VAEs."
    assert few["slack_channel"] == "#project15-few-shot-learning"
    assert few["supervisors"][0]["email"] == "gigi@dtu.dk"
