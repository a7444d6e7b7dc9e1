"""Demo library content for seed_demo: titles and small generated PDFs (no copyrighted material,
and nothing from the NMT Metrics, which belong to their owners)."""

# title, kind, topics, audiences, model, members only, featured
RESOURCES = [
    ("Starting an NMT community of practice", "guide", ["implementation", "leadership"], ["coordinators", "leaders"], "both", False, True),
    ("Sensory room checklist for clinics", "worksheet", ["sensory-regulation"], ["clinicians", "coordinators"], "nmt", False, True),
    ("Regulate first: a one-page reminder for staff", "tool", ["sensory-regulation", "relational-health"], ["clinicians", "educators"], "both", False, True),
    ("Classroom regulation breaks that work", "guide", ["classroom-nme", "sensory-regulation"], ["educators"], "nme", False, True),
    ("How we built sensory-sensitive spaces at three sites", "story", ["implementation", "sensory-regulation"], ["leaders", "coordinators"], "nmt", False, False),
    ("Supervision prompts with a neurosequential lens", "worksheet", ["supervision"], ["clinicians", "leaders"], "nmt", True, False),
    ("Talking with caregivers about the stress response", "guide", ["relational-health"], ["caregivers", "clinicians"], "both", False, False),
    ("Budgeting for Phase I certification", "tool", ["implementation", "leadership"], ["leaders"], "nmt", True, False),
    ("Relational health map: a team exercise", "worksheet", ["relational-health"], ["clinicians", "educators"], "both", False, False),
    ("Community of practice meeting: case consultation format", "slides", ["supervision", "implementation"], ["clinicians"], "nmt", True, False),
    ("Patterned, repetitive, rhythmic activities for the school day", "tool", ["classroom-nme", "sensory-regulation"], ["educators"], "nme", False, False),
    ("From pilot to practice: a CBO's first year with NMT", "story", ["implementation"], ["leaders", "coordinators"], "nmt", False, False),
    ("Training plan template for an agency rollout", "worksheet", ["implementation", "leadership"], ["coordinators"], "nmt", True, False),
    ("Introduction to state-dependent functioning (recording)", "recording", ["assessment", "relational-health"], ["clinicians", "educators", "caregivers"], "both", False, False),
    ("Reflective questions after a hard day", "tool", ["supervision", "relational-health"], ["clinicians", "educators"], "both", False, False),
    ("Observation notes that help assessment", "guide", ["assessment"], ["clinicians"], "nmt", True, False),
    ("Setting up the metrics workflow in your agency", "guide", ["nmt-metrics", "implementation"], ["coordinators", "leaders"], "nmt", True, False),
    ("Parent night slides: the developing brain", "slides", ["relational-health"], ["caregivers", "educators"], "nme", False, False),
    ("Calm corner set-up guide", "guide", ["classroom-nme", "sensory-regulation"], ["educators"], "nme", False, False),
    ("Staff wellness and co-regulation", "article", ["relational-health", "leadership"], ["leaders", "clinicians"], "both", False, False),
    ("Sustaining NMT after the grant ends", "story", ["implementation", "leadership"], ["leaders"], "nmt", False, False),
    ("Agenda template for monthly peer consultation", "worksheet", ["supervision"], ["coordinators"], "both", False, False),
    ("Tracking staff training progress in a spreadsheet", "tool", ["implementation"], ["coordinators"], "both", True, False),
    ("Trauma-informed transitions between classes", "article", ["classroom-nme"], ["educators"], "nme", False, False),
    ("What leaders need to know before Phase II", "article", ["leadership", "implementation"], ["leaders"], "nmt", False, False),
    ("A day in a sensory-sensitive clinic (video)", "video", ["sensory-regulation"], ["clinicians", "leaders"], "nmt", False, False),
    ("Case formulation worksheet (without client data)", "worksheet", ["assessment", "supervision"], ["clinicians"], "nmt", True, False),
    ("Using NME ideas in after-school programs", "guide", ["classroom-nme", "relational-health"], ["educators", "caregivers"], "nme", False, False),
    ("Onboarding new staff into an NMT agency", "guide", ["implementation", "supervision"], ["coordinators", "leaders"], "nmt", False, False),
    ("Regulating activities for the waiting room", "tool", ["sensory-regulation"], ["clinicians", "coordinators"], "nmt", False, False),
    ("Coaching caregivers on rhythm and routine", "slides", ["relational-health"], ["caregivers", "clinicians"], "both", False, False),
    ("School district rollout: lessons from year two", "story", ["implementation", "classroom-nme"], ["leaders", "educators"], "nme", False, False),
    ("Mentor conversations: a guide for Phase II trainers", "guide", ["supervision", "leadership"], ["clinicians", "leaders"], "nmt", True, False),
    ("Quick reference: the sequence of engagement", "tool", ["relational-health"], ["clinicians", "educators", "caregivers"], "both", False, False),
    ("Measuring implementation: what to count", "article", ["implementation", "nmt-metrics"], ["leaders", "coordinators"], "nmt", False, False),
    ("Sensory tools on a small budget", "worksheet", ["sensory-regulation"], ["educators", "clinicians"], "both", False, False),
    ("Community of practice kick-off recording", "recording", ["implementation"], ["coordinators", "leaders"], "both", False, False),
    ("Behaviour support plans with a developmental lens", "guide", ["classroom-nme", "assessment"], ["educators"], "nme", True, False),
    ("Preparing your team for a site certification visit", "guide", ["implementation", "leadership"], ["leaders", "coordinators"], "nmt", True, False),
    ("Self-regulation for the adults in the room", "article", ["relational-health", "sensory-regulation"], ["educators", "clinicians", "caregivers"], "both", False, False),
]  # fmt: skip

SUMMARIES = {
    "guide": "A step-by-step guide for {audience} on {topic}, written by people who tried it.",
    "tool": "A ready-to-use tool for {audience}: print it, adapt it, use it this week ({topic}).",
    "worksheet": "A worksheet {audience} can fill in together, on {topic}.",
    "video": "A short video for {audience} showing {topic} in practice.",
    "recording": "The recording of a community session for {audience} on {topic}.",
    "slides": "Slides to present {topic} to {audience}; edit them for your own team.",
    "article": "A short read for {audience} on {topic}, with questions for discussion.",
    "story": "How one Bay Area agency approached {topic}: what it took, what changed, and what they would do differently. For {audience}.",
}

BODY = """\
{summary}

## How to use it

1. Read it once on your own, then once with your team.
2. Pick **one** idea to try this month.
3. Bring what happened to the next community-of-practice meeting.

> Shared for learning within the Bay Area NMT/NME community of practice. It holds no client
> information and is not part of the NMT Metrics.
"""


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def tiny_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF with a title and a few lines of text (Helvetica)."""
    text = ["BT", "/F1 18 Tf", "72 740 Td", f"({_escape(title[:80])}) Tj", "/F1 11 Tf"]
    for line in lines:
        text += ["0 -22 Td", f"({_escape(line[:95])}) Tj"]
    text.append("ET")
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
