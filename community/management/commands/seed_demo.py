"""Realistic demo data for the Bay Area community: agencies, trainings and the demo sign-ins.

Running it again changes nothing: every object is looked up by its slug or email first, and only
created when missing. Dates are laid out around the day of the first run.
"""

import datetime as dt
import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from members import services as member_services
from members.models import (
    Agency,
    AgencyKind,
    AgencyMilestone,
    AgencyStatusRequest,
    County,
    Credential,
    CredentialLevel,
    CredentialSource,
    Membership,
    MembershipState,
    NmtStatus,
    Person,
    Role,
    SiteMilestone,
    User,
    levels_from,
)
from portal.models import ContentLanguage
from resources.models import (
    DEFAULT_AUDIENCES,
    DEFAULT_TOPICS,
    Audience,
    Resource,
    ResourceStatus,
    Topic,
    Visibility,
)
from trainings import services
from trainings.models import (
    PRACTICE_FOLLOW_UP_KINDS,
    Format,
    Kind,
    Model,
    Obstacle,
    Practice,
    PracticeReport,
    Registration,
    RegistrationStatus,
    Status,
    Training,
)

from ._demo_certificates import mark_every_session, seed_certificates
from ._demo_hosting import arrival_times, seed_proposal, seed_series
from ._demo_languages import (
    BODY_ES,
    DESCRIPTION_BILINGUAL,
    DESCRIPTION_ES,
    TRAINING_PLANS,
    seed_agency_languages,
)
from ._demo_languages import RESOURCES as RESOURCES_IN_SPANISH
from ._demo_library import BODY, RESOURCES, SUMMARIES, tiny_pdf

DEMO_PASSWORD = "nmt-demo-2026"
DEMO_USERS = [
    # email, first name, last name, superuser
    ("admin@example.org", "Avery", "Admin", True),
    ("coordinator@example.org", "Carmen", "Coordinator", False),
    ("coordinator2@example.org", "Devon", "Coordinator", False),
    ("practitioner@example.org", "Priya", "Practitioner", False),
]

AGENCIES = [
    # slug, name, county, website
    ("san-mateo-county-bhrs", "San Mateo County Behavioral Health and Recovery Services", County.SAN_MATEO, "https://www.smchealth.org/"),
    ("santa-clara-county-bhsd", "Santa Clara County Behavioral Health Services", County.SANTA_CLARA, "https://bhsd.santaclaracounty.gov/"),
    ("a-better-way", "A Better Way", County.ALAMEDA, "https://www.abetterwayinc.net/"),
    ("trauma-transformed", "Trauma Transformed", County.SAN_FRANCISCO, "https://traumatransformed.org/"),
    ("alameda-county-bhcs", "Alameda County Behavioral Health", County.ALAMEDA, ""),
    ("contra-costa-family-resilience", "Contra Costa Family Resilience Center", County.CONTRA_COSTA, ""),
    ("marin-youth-family-collaborative", "Marin Youth & Family Collaborative", County.MARIN, ""),
    ("napa-valley-childrens-services", "Napa Valley Children’s Services", County.NAPA, ""),
    ("solano-family-partners", "Solano Family Partners", County.SOLANO, ""),
    ("sonoma-coast-usd", "Sonoma Coast Unified School District", County.SONOMA, ""),
    ("pathways-elementary-santa-cruz", "Pathways Elementary School (Santa Cruz)", County.SANTA_CRUZ, ""),
    ("peninsula-usd", "Peninsula Unified School District", County.SAN_MATEO, ""),
]  # fmt: skip

# slug: kind, city, NMT status, NMT?, NME?, since, sensory spaces, roster size, stage mix
# (share of the roster at concepts / Phase I / Phase II / Mentor as their highest stage).
PROFILES = {
    "san-mateo-county-bhrs": (AgencyKind.COUNTY_BEHAVIORAL_HEALTH, "San Mateo", NmtStatus.CERTIFIED_SITE, True, False, 2013, 6, 64, (0.12, 0.70, 0.12, 0.06)),
    "santa-clara-county-bhsd": (AgencyKind.COUNTY_BEHAVIORAL_HEALTH, "San José", NmtStatus.IMPLEMENTING, True, False, 2016, 3, 48, (0.35, 0.55, 0.08, 0.02)),
    "a-better-way": (AgencyKind.CBO, "Berkeley", NmtStatus.IMPLEMENTING, True, False, 2021, 2, 26, (0.70, 0.26, 0.04, 0.0)),
    "trauma-transformed": (AgencyKind.OTHER, "San Francisco", NmtStatus.IMPLEMENTING, True, True, 2017, 1, 14, (0.30, 0.45, 0.20, 0.05)),
    "alameda-county-bhcs": (AgencyKind.COUNTY_BEHAVIORAL_HEALTH, "Oakland", NmtStatus.INTERESTED, True, False, None, 0, 18, (0.90, 0.10, 0.0, 0.0)),
    "contra-costa-family-resilience": (AgencyKind.CBO, "Concord", NmtStatus.IMPLEMENTING, True, False, 2020, 2, 16, (0.60, 0.35, 0.05, 0.0)),
    "marin-youth-family-collaborative": (AgencyKind.CBO, "San Rafael", NmtStatus.INTERESTED, True, False, None, 0, 8, (1.0, 0.0, 0.0, 0.0)),
    "napa-valley-childrens-services": (AgencyKind.CBO, "Napa", NmtStatus.INTERESTED, True, False, None, 1, 9, (0.85, 0.15, 0.0, 0.0)),
    "solano-family-partners": (AgencyKind.CBO, "Fairfield", NmtStatus.IMPLEMENTING, True, False, 2022, 1, 12, (0.75, 0.25, 0.0, 0.0)),
    "sonoma-coast-usd": (AgencyKind.SCHOOL_DISTRICT, "Sonoma", NmtStatus.IMPLEMENTING, False, True, 2019, 4, 30, (0.80, 0.15, 0.05, 0.0)),
    "pathways-elementary-santa-cruz": (AgencyKind.SCHOOL, "Santa Cruz", NmtStatus.INTERESTED, False, True, 2024, 2, 12, (0.92, 0.08, 0.0, 0.0)),
    "peninsula-usd": (AgencyKind.SCHOOL_DISTRICT, "San Mateo", NmtStatus.IMPLEMENTING, False, True, 2018, 5, 36, (0.70, 0.22, 0.06, 0.02)),
}  # fmt: skip

# Which demo sign-in belongs where (PRODUCT.md): coordinator and practitioner share an agency.
DEMO_MEMBERSHIPS = [
    ("coordinator@example.org", "san-mateo-county-bhrs", Role.COORDINATOR, "Training coordinator", "Clinical supervisor"),
    ("practitioner@example.org", "san-mateo-county-bhrs", Role.STAFF, "Child and family therapist", "Clinician"),
    ("coordinator2@example.org", "a-better-way", Role.COORDINATOR, "Program director", "Leadership"),
]  # fmt: skip

FIRST_NAMES = [
    "Alex", "Maria", "Jordan", "Luis", "Priya", "Samantha", "Wei", "Fatima", "Daniel", "Keisha",
    "Hoang", "Rosa", "Ethan", "Aaliyah", "Miguel", "Grace", "Omar", "Lucia", "Noah", "Imani",
    "Carlos", "Mei", "Tyrone", "Sofia", "Jamal", "Elena", "Ravi", "Hannah", "Diego", "Amara",
]  # fmt: skip
LAST_NAMES = [
    "Garcia", "Nguyen", "Johnson", "Martinez", "Patel", "Kim", "Lopez", "Williams", "Chen",
    "Hernandez", "Brown", "Singh", "Davis", "Ramirez", "Tran", "Wilson", "Flores", "Lee",
    "Jackson", "Rivera", "Okafor", "Cohen", "Reyes", "Yamamoto", "Haddad",
]  # fmt: skip
JOB_TITLES = {
    "clinical": ["Clinician", "Marriage and family therapist", "Clinical social worker", "Psychologist", "Case manager", "Clinical supervisor", "Peer support specialist"],
    "school": ["Teacher", "School counselor", "Special education teacher", "School psychologist", "Vice principal", "Behavior specialist", "Paraeducator"],
}  # fmt: skip
STAGES = [
    CredentialLevel.CONCEPTS,
    CredentialLevel.PHASE_1,
    CredentialLevel.PHASE_2,
    CredentialLevel.MENTOR,
]

VENUES = {
    County.SAN_MATEO: ("San Mateo County Health Campus, Room 100", "225 37th Ave, San Mateo, CA 94403"),
    County.SANTA_CLARA: ("Santa Clara County Learning Center", "1075 E Santa Clara St, San Jose, CA 95116"),
    County.ALAMEDA: ("A Better Way Training Room", "3200 Adeline St, Berkeley, CA 94703"),
    County.SAN_FRANCISCO: ("Trauma Transformed Training Studio", "1 Embarcadero Center, San Francisco, CA 94111"),
    County.CONTRA_COSTA: ("Family Resilience Center Hall", "2400 Bisso Ln, Concord, CA 94520"),
    County.MARIN: ("Marin Community Room", "3501 Civic Center Dr, San Rafael, CA 94903"),
    County.NAPA: ("Napa Valley Family Center", "1500 Third St, Napa, CA 94559"),
    County.SOLANO: ("Solano Partners Conference Room", "675 Texas St, Fairfield, CA 94533"),
    County.SONOMA: ("Sonoma Coast USD District Office", "1000 Main St, Sonoma, CA 95476"),
    County.SANTA_CRUZ: ("Pathways Elementary Library", "400 Mission St, Santa Cruz, CA 95060"),
}  # fmt: skip

CONCEPT_TOPICS = [
    ("Introduction to the Neurosequential Model", "An overview of the brain’s sequential development and what it means for therapeutic planning."),
    ("State-Dependent Functioning in Practice", "How arousal shapes what a child can take in, with examples from clinic and classroom."),
    ("Regulate, Relate, Reason", "The order of engagement after trauma, and how teams put it into daily routines."),
    ("Relational Health and Resilience", "Why connectedness buffers stress, and how to see it in a case history."),
    ("Sensory Regulation Strategies for Teams", "Patterned, repetitive, rhythmic activities that teams can use in any setting."),
    ("NME in the Classroom", "Applying neurosequential ideas to classroom routines, transitions and discipline."),
    ("Supervising with a Neurosequential Lens", "Reflective supervision that keeps the developmental sequence in view."),
    ("Caregiver Coaching with NMT Concepts", "Sharing NMT ideas with parents and caregivers in plain language."),
]  # fmt: skip

DESCRIPTION = """\
This training is part of the Bay Area NMT/NME community of practice calendar.

**You will learn to**

- recognize the developmental sequence behind a child’s behavior;
- choose regulating activities that match a child’s state;
- bring these ideas back to your team.

Certification and completion records reflect participation in training, not clinical competence.
Bring a notebook; materials are shared with participants after the session.
"""


@dataclass
class Plan:
    slug: str
    title: str
    kind: str
    model: str
    format: str
    county: str
    host: str
    summary: str
    sessions: list[tuple[dt.datetime, dt.datetime]]
    capacity: int
    seats_taken: int = 0
    status: str = Status.PUBLISHED
    prerequisites: str = ""
    opens_days_before: int | None = 60
    language: str = ContentLanguage.EN
    description: str = DESCRIPTION


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def months_around(today: dt.date, back: int, ahead: int):
    for delta in range(-back, ahead + 1):
        month_index = today.month - 1 + delta
        yield today.year + month_index // 12, month_index % 12 + 1


def build_plans(today: dt.date) -> list[Plan]:
    rng = random.Random(2026)
    counties = list(VENUES)
    hosts = {county: slug for slug, _name, county, _web in reversed(AGENCIES)}
    plans: list[Plan] = []

    # Monthly NMT community-of-practice meetings: second Thursday, noon, online or hybrid.
    for year, month in months_around(today, 6, 9):
        day = nth_weekday(year, month, 3, 2)
        fmt = Format.HYBRID if month % 3 == 0 else Format.ONLINE
        plans.append(
            Plan(
                slug=f"nmt-community-of-practice-{year}-{month:02d}",
                title=f"NMT Community of Practice — {day:%B %Y}",
                kind=Kind.COMMUNITY_OF_PRACTICE,
                model=Model.NMT,
                format=fmt,
                county=County.SAN_FRANCISCO if fmt == Format.HYBRID else "",
                host="trauma-transformed",
                summary="Monthly peer consultation for NMT providers and agencies starting out: "
                "bring a case question or an implementation win.",
                sessions=[(local(day, 12), local(day, 13, 30))],
                capacity=60,
                seats_taken=rng.randint(10, 45),
                opens_days_before=45,
            )
        )
    # Every other month, an NME educators' circle on the first Tuesday after school.
    for year, month in months_around(today, 6, 9):
        if month % 2:
            continue
        day = nth_weekday(year, month, 1, 1)
        plans.append(
            Plan(
                slug=f"nme-educators-circle-{year}-{month:02d}",
                title=f"NME Educators’ Circle — {day:%B %Y}",
                kind=Kind.COMMUNITY_OF_PRACTICE,
                model=Model.NME,
                format=Format.ONLINE,
                county="",
                host="peninsula-usd",
                summary="Teachers, counsellors and school leaders share what is working with "
                "NME in Bay Area classrooms.",
                sessions=[(local(day, 15, 30), local(day, 17))],
                capacity=40,
                seats_taken=rng.randint(5, 30),
                opens_days_before=45,
            )
        )
    # Phase I cohorts: four weekly online sessions.
    for index, offset in enumerate([-150, -60, 20, 75, 140, 220]):
        start = today + dt.timedelta(days=offset)
        start += dt.timedelta(days=(2 - start.weekday()) % 7)  # Wednesdays
        label = f"{start:%B %Y}"
        capacity = 24
        seats = capacity - 1 if index == 2 else capacity if index == 3 else rng.randint(6, 18)
        plans.append(
            Plan(
                slug=f"nmt-phase-i-cohort-{start:%Y-%m}",
                title=f"NMT Phase I Certification Cohort — {label}",
                kind=Kind.PHASE_1,
                model=Model.NMT,
                format=Format.ONLINE if index % 2 else Format.HYBRID,
                county="" if index % 2 else County.SAN_MATEO,
                host="san-mateo-county-bhrs",
                summary="A four-session cohort toward Phase I certification, with case "
                "consultation between sessions.",
                sessions=[
                    (
                        local(start + dt.timedelta(weeks=w), 9),
                        local(start + dt.timedelta(weeks=w), 16),
                    )
                    for w in range(4)
                ],
                capacity=capacity,
                seats_taken=seats,
                prerequisites="Open to licensed or license-eligible clinicians whose agency "
                "supports Phase I. Complete an NMT concepts training first.",
                opens_days_before=75,
            )
        )
    # Phase II / train-the-trainer: three consecutive days in person.
    for offset, county in [
        (-100, County.SANTA_CLARA),
        (45, County.SANTA_CLARA),
        (190, County.ALAMEDA),
    ]:
        start = today + dt.timedelta(days=offset)
        start += dt.timedelta(days=(1 - start.weekday()) % 7)  # Tuesdays
        plans.append(
            Plan(
                slug=f"nmt-phase-ii-train-the-trainer-{start:%Y-%m}",
                title=f"NMT Phase II / Train-the-Trainer — {start:%B %Y}",
                kind=Kind.PHASE_2,
                model=Model.NMT,
                format=Format.IN_PERSON,
                county=county,
                host="santa-clara-county-bhsd" if county == County.SANTA_CLARA else "a-better-way",
                summary="Three days for Phase I clinicians preparing to train and certify others "
                "inside their agency.",
                sessions=[
                    (
                        local(start + dt.timedelta(days=d), 9),
                        local(start + dt.timedelta(days=d), 16, 30),
                    )
                    for d in range(3)
                ],
                capacity=16,
                seats_taken=15 if offset == 45 else rng.randint(8, 16),
                prerequisites="Phase I certification.",
                opens_days_before=90,
            )
        )
    # Concept trainings around the region.
    for index in range(20):
        offset = -170 + index * 22 + rng.randint(-5, 5)
        day = today + dt.timedelta(days=offset)
        day += dt.timedelta(days=(4 - day.weekday()) % 7 if index % 2 else (1 - day.weekday()) % 7)
        title, summary = CONCEPT_TOPICS[index % len(CONCEPT_TOPICS)]
        county = counties[index % len(counties)]
        fmt = [Format.IN_PERSON, Format.IN_PERSON, Format.ONLINE, Format.HYBRID][index % 4]
        model = Model.NME if "Classroom" in title else Model.NMT
        capacity = rng.choice([25, 30, 40, 50])
        seats = rng.randint(0, capacity - 3)
        if index in (9, 12):
            seats = capacity - rng.randint(1, 2)  # nearly full
        if index in (10, 14):
            seats = capacity  # full: waitlist open
        plans.append(
            Plan(
                slug=f"{title.lower().replace(' ', '-').replace(',', '')}-{day:%Y-%m-%d}",
                title=title,
                kind=Kind.CONCEPTS,
                model=model,
                format=fmt,
                county="" if fmt == Format.ONLINE else county,
                host=hosts[county],
                summary=summary,
                sessions=[(local(day, 9, 30), local(day, 15, 30))],
                capacity=capacity,
                seats_taken=seats,
                status=Status.CANCELLED if index == 11 else Status.PUBLISHED,
                opens_days_before=None if index % 3 == 0 else 60,
            )
        )
    # A few others: a workshop, a leadership forum, and one draft for curators.
    for offset, slug, title, summary, status in [
        (33, "sensory-sensitive-spaces-workshop", "Designing Sensory-Sensitive Spaces",
         "A hands-on workshop on building calm, regulating spaces in clinics and schools.", Status.PUBLISHED),
        (-40, "implementation-leaders-forum-spring", "NMT Implementation Leaders’ Forum",
         "Agency leaders compare notes on sustaining NMT: budgets, supervision and metrics.", Status.PUBLISHED),
        (120, "implementation-leaders-forum-next", "NMT Implementation Leaders’ Forum",
         "Agency leaders compare notes on sustaining NMT: budgets, supervision and metrics.", Status.PUBLISHED),
        (160, "nme-school-leadership-institute", "NME School Leadership Institute",
         "Two days for principals and district leads bringing NME to a whole school.", Status.DRAFT),
    ]:  # fmt: skip
        day = today + dt.timedelta(days=offset)
        days = 2 if "Institute" in title else 1
        plans.append(
            Plan(
                slug=slug,
                title=title,
                kind=Kind.OTHER,
                model=Model.NME if "NME" in title else Model.NMT,
                format=Format.IN_PERSON,
                county=County.SAN_MATEO if "Sensory" in title else County.SAN_FRANCISCO,
                host="san-mateo-county-bhrs" if "Sensory" in title else "trauma-transformed",
                summary=summary,
                sessions=[
                    (local(day + dt.timedelta(days=d), 9), local(day + dt.timedelta(days=d), 15))
                    for d in range(days)
                ],
                capacity=35,
                seats_taken=rng.randint(5, 30),
                status=status,
            )
        )
    # Trainings given in Spanish, or in both languages (written so: _demo_languages).
    for entry in TRAINING_PLANS:
        entry = dict(entry)
        day = today + dt.timedelta(days=entry.pop("days"))
        start_hour, end_hour = entry.pop("hours")
        spanish = entry["language"] == ContentLanguage.ES
        plans.append(
            Plan(
                **entry,
                sessions=[(local(day, start_hour), local(day, end_hour))],
                seats_taken=rng.randint(4, entry["capacity"] - 4),
                description=DESCRIPTION_ES if spanish else DESCRIPTION_BILINGUAL,
            )
        )
    return plans


class Command(BaseCommand):
    help = "Load realistic demo data for the Bay Area (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates demo sign-ins with a published password; it refuses to run "
                "with DEBUG off. Pass --force if you really mean it."
            )
        users = self._users()
        agencies = self._agencies()
        seed_agency_languages()
        people = self._rosters(timezone.localdate())
        trainings = self._trainings(timezone.localdate())
        self._demo_registrations()
        self._practice_reports()
        self._claims(timezone.localdate())
        resources = self._library()
        meetings = seed_series(timezone.localdate())
        proposals = seed_proposal(timezone.localdate())
        certificates = seed_certificates(timezone.localdate())  # last: attendance is all in
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {users} new sign-ins, {agencies} new agencies, "
                f"{people} new roster members, {trainings} new trainings, "
                f"{resources} new resources, {meetings} new series meetings, "
                f"{proposals} new training proposals, {certificates} new certificates."
            )
        )

    def _claims(self, today: dt.date) -> None:
        """What curators verify: coordinator2's agency asks to become a certified site (waiting
        in the admin), and the first demo agency's reported milestones, one verified and one
        waiting. Made once: an agency with a request or a tick already is left alone."""
        asking = Agency.objects.get(slug="a-better-way")
        if not AgencyStatusRequest.objects.filter(agency=asking).exists():
            AgencyStatusRequest.objects.create(
                agency=asking,
                changes={"nmt_status": NmtStatus.CERTIFIED_SITE.value},
                previous={"nmt_status": asking.nmt_status},
                note="The Neurosequential Network certified our Berkeley site last month; the "
                "letter is on file with our director.",
                requested_by=User.objects.get(email="coordinator2@example.org"),
            )
        agency = Agency.objects.get(slug="san-mateo-county-bhrs")
        if AgencyMilestone.objects.filter(agency=agency).exists():
            return
        admin = User.objects.get(email="admin@example.org")
        for title, days_ago, verified in (
            ("Leadership commits to implementing NMT", 900, True),
            ("An implementation lead is named", 400, False),
        ):
            milestone = SiteMilestone.objects.filter(title=title).first()
            if milestone is None:  # renamed or removed by the admins
                continue
            AgencyMilestone.objects.create(
                agency=agency,
                milestone=milestone,
                done_on=today - dt.timedelta(days=days_ago),
                verified_at=timezone.now() if verified else None,
                verified_by=admin if verified else None,
            )

    def _users(self) -> int:
        created = 0
        for email, first, last, superuser in DEMO_USERS:
            if User.objects.filter(email=email).exists():
                continue
            maker = User.objects.create_superuser if superuser else User.objects.create_user
            user = maker(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
            # Demo sign-ins are verified, so they can sign in at once.
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            member_services.person_for_user(user=user)
            created += 1
        return created

    def _agencies(self) -> int:
        created = 0
        for slug, name, county, website in AGENCIES:
            kind, city, status, nmt, nme, since, spaces, _size, _mix = PROFILES[slug]
            _agency, was_created = Agency.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "county": county,
                    "website": website,
                    "kind": kind,
                    "city": city,
                    "nmt_status": status,
                    "practises_nmt": nmt,
                    "practises_nme": nme,
                    "practising_since": since,
                    "sensory_spaces": spaces,
                    "sensory_spaces_note": "Calm rooms with weighted items, rocking chairs and "
                    "dimmable light at our main sites."
                    if spaces
                    else "",
                    "contact_email": f"nmt@{slug}.example.org",
                    "description": f"{name} is part of the Bay Area NMT/NME community of "
                    "practice. We share what we learn about bringing neurosequential ideas "
                    "into everyday work with children, youth and families.",
                },
            )
            created += was_created
        return created

    def _rosters(self, today: dt.date) -> int:
        """Each agency gets a believable staff roster with credentials; the demo sign-ins get
        their agencies and roles. Agencies that already have members are left alone."""
        created = 0
        agencies = {agency.slug: agency for agency in Agency.objects.all()}
        for email, slug, role, job_title, discipline in DEMO_MEMBERSHIPS:
            person = member_services.person_for_user(user=User.objects.get(email=email))
            if not person.job_title:
                member_services.person_update(
                    person=person,
                    display_name=person.display_name,
                    job_title=job_title,
                    discipline=discipline,
                )
            Membership.objects.get_or_create(
                person=person,
                agency=agencies[slug],
                defaults={"role": role, "state": MembershipState.ACTIVE},
            )
        practitioner = Person.objects.get(user__email="practitioner@example.org")
        if not practitioner.credentials.exists():
            member_services.credential_record(
                person=practitioner,
                level=CredentialLevel.CONCEPTS,
                model="nmt",
                earned_on=today - dt.timedelta(days=400),
                source=CredentialSource.COORDINATOR,
            )
        rng = random.Random(280)
        for slug, agency in agencies.items():
            if slug not in PROFILES:
                continue
            if User.objects.filter(email__endswith=f"@{slug}.example.org").exists():
                continue
            created += self._roster(agency, PROFILES[slug], rng, today)
        return created

    def _roster(self, agency: Agency, profile, rng: random.Random, today: dt.date) -> int:
        kind, _city, _status, nmt, _nme, since, _spaces, size, mix = profile
        titles = JOB_TITLES[
            "school" if kind in (AgencyKind.SCHOOL, AgencyKind.SCHOOL_DISTRICT) else "clinical"
        ]
        model = "nmt" if nmt else "nme"
        first_year = since or today.year - 1
        users = []
        for index in range(size):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            user = User(
                email=f"{first}.{last}.{index}@{agency.slug}.example.org".lower(),
                first_name=first,
                last_name=last,
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users)
        users = list(
            User.objects.filter(email__endswith=f"@{agency.slug}.example.org").order_by("pk")
        )
        people = Person.objects.bulk_create(
            Person(
                user=user,
                display_name=f"{user.first_name} {user.last_name}",
                job_title=rng.choice(titles),
                discipline="Education" if "school" in kind else "Behavioral health",
            )
            for user in users
        )
        Membership.objects.bulk_create(
            Membership(
                person=person,
                agency=agency,
                role=Role.STAFF,
                state=MembershipState.ACTIVE,
            )
            for person in people
        )
        credentials = []
        for person in people:
            highest = rng.choices(range(len(STAGES)), weights=mix)[0]
            earned = dt.date(
                rng.randint(first_year, today.year - 1 if today.year > first_year else today.year),
                rng.randint(1, 12),
                rng.randint(1, 28),
            )
            for stage in STAGES[: highest + 1]:
                credentials.append(
                    Credential(
                        person=person,
                        level=stage,
                        model=model,
                        earned_on=min(earned, today),
                        source=CredentialSource.COORDINATOR,
                        verified=rng.random() < 0.7,
                    )
                )
                earned = earned + dt.timedelta(days=rng.randint(90, 400))
        Credential.objects.bulk_create(credentials)
        return len(people)

    def _registrations(self, training, plan, rng, pool, today) -> None:
        """Real registrations behind the seat counts: confirmed people (eligible ones) and, for
        full trainings, a short waitlist. Past trainings get attendance marked. The counter is
        set to the number of confirmed rows, as the services keep it."""
        required = training.effective_required_level
        accepted = set(levels_from(required)) if required else None
        eligible = [
            entry
            for entry in pool
            if accepted is None
            or any(lvl in accepted and mdl == training.model for lvl, mdl in entry[2])
        ]
        if training.registration_opens_at and training.registration_opens_at > timezone.now():
            return  # Registration has not opened yet: no one holds a seat.
        waitlisted = 3 if plan.seats_taken >= plan.capacity else 0
        chosen = rng.sample(eligible, min(len(eligible), plan.seats_taken + waitlisted))
        confirmed = chosen[: plan.seats_taken]
        now = timezone.now()
        past = training.ends_at < now
        rows = []
        arrivals = arrival_times(training, len(chosen), now=now)
        for index, ((person, agency, _held), arrived) in enumerate(
            zip(chosen, arrivals, strict=True)
        ):
            is_confirmed = index < len(confirmed)
            rows.append(
                Registration(
                    training=training,
                    person=person,
                    agency=agency,
                    registered_by=person.user,
                    status=RegistrationStatus.CONFIRMED
                    if is_confirmed
                    else RegistrationStatus.WAITLISTED,
                    arrived_at=arrived,
                    confirmed_at=arrived if is_confirmed else None,
                    attendance=rng.choices(["attended", "absent", "excused"], [88, 7, 5])[0]
                    if past and is_confirmed
                    else "",
                )
            )
        Registration.objects.bulk_create(rows)
        if past:
            mark_every_session(training, rows)
        Training.objects.filter(pk=training.pk).update(seats_taken=len(confirmed))
        training.seats_taken = len(confirmed)

    def _demo_registrations(self) -> None:
        """The practitioner holds a seat at an upcoming concepts training."""
        person = Person.objects.get(user__email="practitioner@example.org")
        if Registration.objects.filter(person=person).exists():
            return
        training = (
            Training.objects.published()
            .upcoming()
            .filter(kind=Kind.CONCEPTS, seats_taken__lt=F("capacity"), starts_at__gt=timezone.now())
            .order_by("starts_at")
            .first()
        )
        if training is None:
            return
        agency = Agency.objects.get(slug="san-mateo-county-bhrs")
        now = timezone.now()  # the latest to come: the others arrived minutes to days before
        Registration.objects.create(
            training=training,
            person=person,
            agency=agency,
            registered_by=person.user,
            status=RegistrationStatus.CONFIRMED,
            arrived_at=now,
            confirmed_at=now,
        )
        Training.objects.filter(pk=training.pk).update(seats_taken=F("seats_taken") + 1)

    def _practice_reports(self) -> None:
        """Follow-up answers from attendees of Phase I/II trainings that ended over 30 days ago:
        the form went out 30 days after, and about 60% answered."""
        if PracticeReport.objects.exists():
            return
        rng = random.Random(730)
        cutoff = timezone.now() - dt.timedelta(days=30)
        practice_odds = dict(zip(Practice.values, [0.55, 0.6, 0.25, 0.45, 0.2, 0.12], strict=True))
        obstacle_odds = dict(zip(Obstacle.values[:-1], [0.5, 0.45, 0.15, 0.2, 0.25], strict=True))
        attendees = (
            Registration.objects.confirmed()
            .filter(
                training__kind__in=PRACTICE_FOLLOW_UP_KINDS,
                training__status=Status.PUBLISHED,
                training__ends_at__lt=cutoff,
                attendance="attended",
                person__isnull=False,
            )
            .select_related("training")
            .order_by("pk")
        )
        reports = []
        now = timezone.now()
        for registration in attendees:
            report = PracticeReport(
                registration=registration,
                opened_at=registration.training.ends_at + dt.timedelta(days=30),
            )
            if rng.random() < 0.6:  # Answered.
                report.submitted_at = min(
                    report.opened_at + dt.timedelta(days=rng.randint(0, 9)), now
                )
                if rng.random() >= 0.12:
                    report.practices = [v for v, p in practice_odds.items() if rng.random() < p]
                report.not_started = not report.practices
                report.obstacles = [v for v, p in obstacle_odds.items() if rng.random() < p] or [
                    Obstacle.NOTHING.value
                ]
            reports.append(report)
        PracticeReport.objects.bulk_create(reports)

    def _library(self) -> int:
        """About 40 resources across kinds, topics and audiences, with small generated PDFs;
        some members-only, a few featured, two proposals waiting for review."""
        rng = random.Random(40)
        for slug, name in DEFAULT_TOPICS:
            Topic.objects.get_or_create(slug=slug, defaults={"name": name})
        for slug, name in DEFAULT_AUDIENCES:
            Audience.objects.get_or_create(slug=slug, defaults={"name": name})
        topics = {topic.slug: topic for topic in Topic.objects.all()}
        audiences = {audience.slug: audience for audience in Audience.objects.all()}
        agencies = list(Agency.objects.order_by("slug"))
        trainings = list(Training.objects.published().order_by("starts_at"))
        created = 0
        featured_order = 0
        for index, (
            title,
            kind,
            topic_slugs,
            audience_slugs,
            model,
            members,
            featured,
        ) in enumerate(RESOURCES):
            slug = slugify(title)
            if Resource.objects.filter(slug=slug).exists():
                continue
            summary = SUMMARIES[kind].format(
                audience=" and ".join(audiences[a].name.lower() for a in audience_slugs[:2]),
                topic=" and ".join(
                    name if "(" in name else name.lower()
                    for name in (topics[t].name for t in topic_slugs[:2])
                ),
            )
            resource = Resource(
                title=title,
                slug=slug,
                summary=summary,
                body=BODY.format(summary=summary),
                kind=kind,
                model=model,
                visibility=Visibility.MEMBERS if members else Visibility.PUBLIC,
                status=ResourceStatus.SUBMITTED
                if index >= len(RESOURCES) - 2
                else ResourceStatus.PUBLISHED,
                featured=featured,
                featured_order=featured_order if featured else 0,
                contributed_agency=rng.choice(agencies),
                published_at=timezone.now() - dt.timedelta(days=rng.randint(1, 400)),
            )
            featured_order += int(featured)
            if resource.status == ResourceStatus.SUBMITTED:
                resource.published_at = None
                resource.contributed_by = Person.objects.get(user__email="practitioner@example.org")
            if kind in ("video", "recording"):
                resource.external_url = f"https://videos.example.org/nmt-cop/{slug}"
            else:
                pdf = tiny_pdf(
                    title,
                    [
                        summary[:95],
                        "Shared for learning within the Bay Area NMT/NME community of practice.",
                        "Contains no client information.",
                    ],
                )
                resource.file.save(f"{slug}.pdf", ContentFile(pdf), save=False)
                resource.file_type = "application/pdf"
                resource.file_size = len(pdf)
            resource.save()
            resource.topics.set([topics[t] for t in topic_slugs if t in topics])
            resource.audiences.set([audiences[a] for a in audience_slugs if a in audiences])
            if trainings and resource.status == ResourceStatus.PUBLISHED:
                resource.trainings.set(
                    rng.sample(trainings, k=min(len(trainings), rng.randint(0, 3)))
                )
            created += 1
        return created + self._library_in_spanish(topics, audiences, agencies)

    def _library_in_spanish(self, topics, audiences, agencies) -> int:
        """A few resources written in Spanish, or in both languages, all published."""
        rng = random.Random(41)
        created = 0
        for (
            title,
            kind,
            topic_slugs,
            audience_slugs,
            model,
            members,
            featured,
            language,
            summary,
        ) in RESOURCES_IN_SPANISH:
            slug = slugify(title)
            if Resource.objects.filter(slug=slug).exists():
                continue
            resource = Resource(
                title=title,
                slug=slug,
                summary=summary,
                body=BODY_ES.format(summary=summary),
                kind=kind,
                model=model,
                language=language,
                visibility=Visibility.MEMBERS if members else Visibility.PUBLIC,
                status=ResourceStatus.PUBLISHED,
                featured=featured,
                contributed_agency=rng.choice(agencies),
                published_at=timezone.now() - dt.timedelta(days=rng.randint(1, 200)),
            )
            pdf = tiny_pdf(title, [summary[:95], "No contiene informacion de clientes."])
            resource.file.save(f"{slug}.pdf", ContentFile(pdf), save=False)
            resource.file_type = "application/pdf"
            resource.file_size = len(pdf)
            resource.save()
            resource.topics.set([topics[t] for t in topic_slugs if t in topics])
            resource.audiences.set([audiences[a] for a in audience_slugs if a in audiences])
            created += 1
        return created

    def _trainings(self, today: dt.date) -> int:
        existing = set(Training.objects.values_list("slug", flat=True))
        agencies = {agency.slug: agency for agency in Agency.objects.all()}
        rng = random.Random(60)
        # Roster members who can take seats, with their agency and credentials.
        pool = [
            (m.person, m.agency, {(c.level, c.model) for c in m.person.credentials.all()})
            for m in Membership.objects.active()
            .filter(person__user__email__endswith=".example.org")
            .exclude(person__user__email__in=[email for email, *_rest in DEMO_USERS])
            .select_related("person", "agency")
            .prefetch_related("person__credentials")
            .order_by("pk")
        ]
        created = 0
        for plan in build_plans(today):
            if plan.slug in existing:
                continue
            first_start = plan.sessions[0][0]
            venue_name, venue_address = VENUES.get(plan.county, ("", ""))
            if plan.format == Format.ONLINE:
                venue_name, venue_address = "", ""
            training = services.training_create(
                sessions=plan.sessions,
                slug=plan.slug,
                title=plan.title,
                kind=plan.kind,
                model=plan.model,
                language=plan.language,
                summary=plan.summary,
                description=plan.description,
                format=plan.format,
                venue_name=venue_name,
                venue_address=venue_address,
                county=plan.county,
                online_url="https://meet.example.org/nmt-" + plan.slug[:40]
                if plan.format != Format.IN_PERSON
                else "",
                capacity=plan.capacity,
                registration_opens_at=first_start - dt.timedelta(days=plan.opens_days_before)
                if plan.opens_days_before
                else None,
                registration_closes_at=first_start - dt.timedelta(days=2),
                host_agency=agencies[plan.host],
                contact_email="trainings@example.org",
                prerequisites=plan.prerequisites,
            )
            if plan.status in (Status.PUBLISHED, Status.CANCELLED):
                services.training_publish(training=training)
            if plan.status == Status.CANCELLED:
                services.training_cancel(training=training)
            if plan.status != Status.DRAFT:
                # After the status changes, so seeding sends no email.
                self._registrations(training, plan, rng, pool, today)
            created += 1
        return created
