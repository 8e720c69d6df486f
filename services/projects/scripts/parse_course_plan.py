"""Parse the project lists of the 02456 course plan into the bundled catalogue JSON files.

    python services/projects/scripts/parse_course_plan.py PATH/TO/02456-course-plan-2021.txt

writes ``src/peerlab/projects/data/catalogue-2021.json`` and ``catalogue-2020.json``. It was run
once; the output was then read through by hand. The plan is text converted from a web page, so a
few titles broken across lines are fixed below (``TITLE_FIXES``), and supervisors named without an
e-mail get the organisation the plan gives them elsewhere or, failing that, that of a co-supervisor
of the same project; where the plan says nothing, ``organisation`` and ``internal`` stay null.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "peerlab" / "projects" / "data"
SECTIONS = {2021: ("Project list 2021", "Extracurricular projects"), 2020: ("Project list 2020", "Project plan")}

# (year, number) -> (title, text that continues the broken title at the start of the description)
TITLE_FIXES = {
    (2020, 22): ("Exploring the creative use of Deep Generative Models for live musical performance", "performance"),
    (2020, 23): (
        "Graph pooling and unpooling in Graph Neural Network with its applications in graph "
        "classification, node clustering and image segmentation",
        "graph classification, node clustering and image segmentation.",
    ),
}
DOMAIN_ORGANISATIONS = {
    "dtu.dk": ("DTU", True),
    "student.dtu.dk": ("DTU", True),
    "food.ku.dk": ("University of Copenhagen, KU FOOD", False),
    "cpr.ku.dk": ("University of Copenhagen", False),
    "dbac.dk": ("COPSAC", False),
    "corti.ai": ("Corti", False),
    "deloitte.dk": ("Deloitte Consulting", False),
    "cellari.io": ("Cellari", False),
    "omhu.com": ("Omhu", False),
    "danspeech.io": ("DanSpeech", False),
    "hedia.co": ("Hedia", False),
    "beepanalytics.com": ("BeepAnalytics", False),
    "woodsense.dk": ("Woodsense", False),
}
# Organisations named in the text next to a supervisor: (pattern, organisation, internal)
NAMED_ORGANISATIONS = [
    (r"^KU FOOD & COPSAC$", "University of Copenhagen, KU FOOD & COPSAC", False),
    (r"^KU Food$", "University of Copenhagen, KU FOOD", False),
    (r"^DTU Compute$", "DTU Compute", True),
    (r"^MLSM DTU$", "DTU", True),
    (r"^BeepAnalytics$", "BeepAnalytics", False),
]
# Personal addresses say nothing about the organisation; the project text does.
PERSONAL_ADDRESS_ORGANISATIONS = {"michaelkaipetersen@gmail.com": ("Augmented Hearing", False)}

LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
BARE_URL = re.compile(r"<(https?://[^>\s]+)>")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PROJECT = re.compile(r"^\s*-?\s*(\d{1,2})\)\s+(.*)$")
SUBPROJECT = re.compile(r"^\s*-?\s*([a-g])\)\s+(.*)$")
BULLET = re.compile(r"^\s*-\s+(.*)$")


def clean(text: str) -> str:
    """Markdown to plain text: links keep their label, emphasis and escapes go."""
    text = BARE_URL.sub(r"\1", text)
    text = LINK.sub(lambda m: m.group(1), text)
    text = text.replace("\\(", "(").replace("\\)", ")")
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def links_of(text: str) -> list[dict]:
    found = [(clean(m.group(1)), m.group(2)) for m in LINK.finditer(text)]
    found += [(m.group(1), m.group(1)) for m in BARE_URL.finditer(text)]
    seen, out = set(), []
    for label, url in found:
        if url.startswith("http") and url not in seen:  # "#" marks links the plan's copy lost
            seen.add(url)
            out.append({"label": label or url, "url": url})
    return out


def section_lines(text: str, year: int) -> list[str]:
    start, end = SECTIONS[year]
    body = text.split(start, 1)[1].split(end, 1)[0]
    return body.splitlines()


def join_broken_lines(lines: list[str]) -> list[str]:
    """Lines broken in the middle of a sentence (no closing punctuation) are joined to the next."""
    out: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        starts_item = bool(PROJECT.match(line) or SUBPROJECT.match(line) or BULLET.match(line))
        if out and not starts_item and not re.search(r"[.:!?)]\**$", out[-1]):
            out[-1] = out[-1] + " " + line.strip()
        else:
            out.append(line)
    return out


def split_projects(lines: list[str]) -> list[tuple[int, list[str]]]:
    projects: list[tuple[int, list[str]]] = []
    for line in lines:
        match = PROJECT.match(line)
        if match:
            projects.append((int(match.group(1)), [match.group(2)]))
        elif projects:
            projects[-1][1].append(line)
    return projects


def title_and_rest(raw: str) -> tuple[str, str]:
    """The bold lead of a line is its title; otherwise a linked lead, else the first sentence."""
    raw = raw.strip()
    bold = re.match(r"^\*\*(.+?)\*\*[.:]?\s*(.*)$", raw)
    if bold:
        return clean(bold.group(1)).rstrip(".:"), bold.group(2)
    linked = re.match(r"^\[([^\]]+)\]\([^)]*\)\s*-?\s*(.*)$", raw)
    if linked:
        return clean(linked.group(1)), linked.group(2)
    text = clean(raw)
    if len(text) <= 120:
        return text.rstrip("."), ""
    guarded = re.sub(r"\b(e\.g|i\.e|etc)\.", lambda m: m.group(1).replace(".", "\0") + "\0", text)
    sentence = re.match(r"^(.{3,160}?)\.(\s+[A-Z(].*|)$", guarded)
    if sentence:
        return sentence.group(1).replace("\0", ".").strip(), sentence.group(2).replace("\0", ".").strip()
    return text, ""


def supervisor_clauses(text: str) -> list[str]:
    """What follows each "supervised by" / "Supervisor", up to the end of its sentence or bracket.

    Item references such as "(projects b)-d))" are taken out first: their ")" are not brackets.
    """
    text = re.sub(r"(?<=[\s(-])([a-g])\)", r"\1", text)
    text = re.sub(r"\(projects? [^()]*\)", "", text)
    clauses = []
    for match in re.finditer(r"(?:[Ss]upervised by|Supervisor)\s+", text):
        depth, out = 0, []
        for i in range(match.end(), len(text)):
            ch = text[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "." and depth == 0 and (i + 1 == len(text) or text[i + 1].isspace()):
                break
            out.append(ch)
        clauses.append("".join(out))
    return clauses


def _split_top_level(clause: str) -> list[str]:
    parts, depth, current = [], 0, ""
    i = 0
    while i < len(clause):
        ch = clause[i]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and (ch == "," or clause.startswith(" and ", i) or clause.startswith(" - ", i)):
            parts.append(current)
            current = ""
            i += 5 if clause.startswith(" and ", i) else (3 if clause.startswith(" - ", i) else 1)
            continue
        current += ch
        i += 1
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _named_organisation(token: str) -> tuple[str, bool] | None:
    for pattern, organisation, internal in NAMED_ORGANISATIONS:
        if re.match(pattern, token):
            return organisation, internal
    return None


def _is_name(token: str) -> bool:
    words = token.split()
    return 2 <= len(words) <= 5 and all(w[0].isupper() for w in words) and "@" not in token


def parse_supervisors(text: str) -> list[dict]:
    people: list[dict] = []
    for clause in supervisor_clauses(clean(text)):
        for token in _split_top_level(clause):
            emails = EMAIL.findall(token)
            rest = re.sub(r"\([^)]*\)", "", EMAIL.sub("", token)).strip(" ,-")
            organisation = _named_organisation(rest)
            if rest and _is_name(rest) and organisation is None:
                if any(p["name"] == rest for p in people):
                    continue
                people.append({"name": rest, "email": None, "organisation": None, "internal": None})
            elif organisation and people:
                people[-1]["organisation"], people[-1]["internal"] = organisation
            if emails and people and people[-1]["email"] is None:
                people[-1]["email"] = emails[0]
    for person in people:
        if person["email"] and person["organisation"] is None:
            address = person["email"].lower()
            org = PERSONAL_ADDRESS_ORGANISATIONS.get(address) or DOMAIN_ORGANISATIONS.get(address.split("@")[1])
            if org:
                person["organisation"], person["internal"] = org
    return people


def parse_block(year: int, number: int, lines: list[str]) -> dict:
    title, first_rest = title_and_rest(lines[0])
    fix = TITLE_FIXES.get((year, number))
    if fix:
        title = fix[0]
        first_rest = first_rest.strip().removeprefix(fix[1]).strip()
    first_rest = clean(first_rest)
    if first_rest[:1].islower():  # the sentence goes on from the title
        first_rest = f"{title} {first_rest}"
    description: list[str] = [first_rest] if first_rest else []
    subprojects: list[dict] = []
    requirements = slack = None
    tail: list[str] = []  # paragraphs after the sub-projects belong to the project again
    for line in lines[1:]:
        sub = SUBPROJECT.match(line)
        bullet = BULLET.match(line)
        plain = clean(bullet.group(1) if bullet else line)
        if sub:
            sub_title, sub_rest = title_and_rest(sub.group(2))
            if re.fullmatch(r"\([^()]{1,60}\)\.?", clean(sub_rest)):  # "Normalizing flows (GLOW, RealNVP)."
                sub_title, sub_rest = f"{sub_title} {clean(sub_rest).rstrip('.')}", ""
            subprojects.append({"letter": sub.group(1), "title": sub_title, "description": clean(sub_rest)})
            tail = []
            continue
        if re.match(r"^Requirements?:", plain):
            requirements = plain.split(":", 1)[1].strip()
            continue
        slack_match = re.match(r"^Slack [Cc]hannel:\s*(#[\w-]+)", plain)
        if slack_match:
            slack = slack_match.group(1)
            continue
        if subprojects and (bullet or line.startswith(" ")) and not tail:
            sub = subprojects[-1]
            sub["description"] = (sub["description"] + ("\n- " if bullet else " ") + plain).strip()
            continue
        entry = ("- " + plain) if bullet else plain
        (tail if subprojects else description).append(entry)
        if subprojects:
            description.append(entry)
    full_text = "\n".join(lines)
    if requirements is None:
        inline = re.search(r"Requirements?:\s*(.+?\.)(\s|$)", clean(full_text))
        requirements = inline.group(1) if inline else None
    return {
        "number": number,
        "title": title,
        "description": "\n".join(description).strip(),
        "requirements": requirements,
        "slack_channel": slack,
        "supervisors": parse_supervisors(full_text),
        "subprojects": subprojects,
        "links": links_of(full_text),
        "own_project": number == 1,
    }


def fill_known_supervisors(catalogues: dict[int, list[dict]]) -> None:
    """A name without an e-mail takes what the plan says of the same name elsewhere, then of a
    co-supervisor of the same project."""
    known: dict[str, dict] = {}
    for projects in catalogues.values():
        for project in projects:
            for person in project["supervisors"]:
                if person["email"] and person["name"] not in known:
                    known[person["name"]] = person
    for projects in catalogues.values():
        for project in projects:
            colleagues = [p for p in project["supervisors"] if p["organisation"]]
            for person in project["supervisors"]:
                if person["email"] is None and person["name"] in known:
                    other = known[person["name"]]
                    person.update(email=other["email"], organisation=other["organisation"], internal=other["internal"])
                elif person["organisation"] is None and colleagues:
                    person["organisation"], person["internal"] = (
                        colleagues[0]["organisation"],
                        colleagues[0]["internal"],
                    )


def parse(text: str) -> dict[int, list[dict]]:
    catalogues = {}
    for year in SECTIONS:
        blocks = split_projects(join_broken_lines(section_lines(text, year)))
        catalogues[year] = [parse_block(year, number, lines) for number, lines in blocks]
        numbers = [p["number"] for p in catalogues[year]]
        assert numbers == list(range(1, len(numbers) + 1)), f"{year}: projects not numbered 1..n: {numbers}"
    fill_known_supervisors(catalogues)
    return catalogues


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    catalogues = parse(Path(argv[1]).read_text(encoding="utf-8"))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for year, projects in catalogues.items():
        document = {
            "year": year,
            "course": "02456",
            "source": f"02456 course plan, project list {year}",
            "projects": projects,
        }
        path = OUT_DIR / f"catalogue-{year}.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path} ({len(projects)} projects)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
