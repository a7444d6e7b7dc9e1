"""Demo content in Spanish and in both languages, and the languages each agency serves.

The Spanish trainings and resources here were written in Spanish for Spanish-speaking staff and
families; none is a translation of the English demo content (curated content is never
machine-translated, docs/glossary.md). Everything is looked up by its slug first, so running
``seed_demo`` again changes nothing.
"""

from members import services as member_services
from members.models import Agency, County
from portal.models import ContentLanguage, ServedLanguage
from trainings.models import Format, Kind, Model

EN, ES, ZH, VI, TL, ASL = (
    ServedLanguage.EN,
    ServedLanguage.ES,
    ServedLanguage.ZH,
    ServedLanguage.VI,
    ServedLanguage.TL,
    ServedLanguage.ASL,
)

# The languages each demo agency serves children and families in.
AGENCY_LANGUAGES = {
    "san-mateo-county-bhrs": [EN, ES, ZH, TL],
    "santa-clara-county-bhsd": [EN, ES, VI],
    "a-better-way": [EN, ES],
    "trauma-transformed": [EN, ES],
    "alameda-county-bhcs": [EN, ES, ZH, VI],
    "contra-costa-family-resilience": [EN, ES],
    "marin-youth-family-collaborative": [EN, ES, ASL],
    "napa-valley-childrens-services": [EN, ES],
    "solano-family-partners": [EN, ES, TL],
    "sonoma-coast-usd": [EN, ES],
    "pathways-elementary-santa-cruz": [EN],
    "peninsula-usd": [EN, ES],
}

DESCRIPTION_ES = """\
Esta capacitación forma parte del calendario de la comunidad de práctica NMT/NME del Área de la
Bahía y se imparte en español.

**Lo que aprenderá**

- a reconocer la secuencia del desarrollo detrás de la conducta de un niño o una niña;
- a elegir actividades de regulación que correspondan al estado del niño;
- a llevar estas ideas a su equipo y a las familias que atiende.

La certificación y los registros de participación reflejan la asistencia a la capacitación, no la
competencia clínica. Los materiales se comparten con los participantes después de la sesión.
"""

DESCRIPTION_BILINGUAL = """\
This training is given in English and Spanish: the trainers present in both languages, and the
handouts come in both.

Esta capacitación se imparte en inglés y en español: los capacitadores presentan en los dos
idiomas y los materiales se entregan en ambos.

Certification reflects participation in training, not clinical competence. / La certificación
refleja la participación en la capacitación, no la competencia clínica.
"""

# Each becomes a ``Plan`` of seed_demo: ``days`` from today, one session at ``hours``.
TRAINING_PLANS = [
    {
        "days": 26,
        "slug": "regulacion-sensorial-con-familias",
        "title": "Regulación sensorial con familias",
        "kind": Kind.CONCEPTS,
        "model": Model.NMT,
        "format": Format.IN_PERSON,
        "county": County.SANTA_CLARA,
        "host": "santa-clara-county-bhsd",
        "summary": (
            "Actividades con patrón, repetitivas y rítmicas que las familias pueden usar en "
            "casa, con ejemplos de clínicas del condado de Santa Clara."
        ),
        "language": ContentLanguage.ES,
        "hours": (9, 13),
        "capacity": 30,
    },
    {
        "days": 54,
        "slug": "circulo-de-practica-nmt-en-espanol",
        "title": "Círculo de práctica NMT en español",
        "kind": Kind.COMMUNITY_OF_PRACTICE,
        "model": Model.NMT,
        "format": Format.ONLINE,
        "county": "",
        "host": "trauma-transformed",
        "summary": (
            "Consulta entre colegas para quienes atienden a familias en español: traiga una "
            "pregunta de caso o un logro de implementación."
        ),
        "language": ContentLanguage.ES,
        "hours": (12, 13),
        "capacity": 40,
    },
    {
        "days": 68,
        "slug": "nme-en-el-salon-de-clases",
        "title": "NME en el salón de clases: rutinas que regulan",
        "kind": Kind.CONCEPTS,
        "model": Model.NME,
        "format": Format.ONLINE,
        "county": "",
        "host": "peninsula-usd",
        "summary": (
            "Para docentes y personal escolar: transiciones, descansos de regulación y acuerdos "
            "de aula pensados desde la secuencia del desarrollo."
        ),
        "language": ContentLanguage.ES,
        "hours": (15, 17),
        "capacity": 35,
    },
    {
        "days": 40,
        "slug": "caregiver-workshop-taller-para-cuidadores",
        "title": "Caregiver Workshop / Taller para cuidadores",
        "kind": Kind.CONCEPTS,
        "model": Model.NMT,
        "format": Format.HYBRID,
        "county": County.ALAMEDA,
        "host": "a-better-way",
        "summary": (
            "For caregivers and the staff who coach them, in English and Spanish. / Para "
            "cuidadores y el personal que los acompaña, en inglés y en español."
        ),
        "language": ContentLanguage.BILINGUAL,
        "hours": (10, 14),
        "capacity": 40,
    },
    {
        "days": -45,
        "slug": "regulacion-y-relacion-en-la-primera-infancia",
        "title": "Regulación y relación en la primera infancia",
        "kind": Kind.CONCEPTS,
        "model": Model.NMT,
        "format": Format.IN_PERSON,
        "county": County.SAN_MATEO,
        "host": "san-mateo-county-bhrs",
        "summary": (
            "Cómo el estrés temprano afecta el desarrollo y qué pueden hacer los equipos de "
            "primera infancia para acompañar a las familias."
        ),
        "language": ContentLanguage.ES,
        "hours": (9, 15),
        "capacity": 30,
    },
]

BODY_ES = """\
{summary}

## Cómo usarlo

1. Léalo una vez por su cuenta y otra vez con su equipo.
2. Elija **una** idea para probar este mes.
3. Comparta lo que pasó en la próxima reunión de la comunidad de práctica.

> Compartido para el aprendizaje de la comunidad de práctica NMT/NME del Área de la Bahía. No
> contiene información de clientes y no forma parte de NMT Metrics.
"""

# title, kind, topics, audiences, model, members only, featured, language, summary
RESOURCES = [
    (
        "Guía para hablar con las familias sobre la respuesta al estrés",
        "guide",
        ["relational-health"],
        ["caregivers", "clinicians"],
        "both",
        False,
        False,
        ContentLanguage.ES,
        "Una guía breve para explicar a madres, padres y cuidadores, con palabras sencillas, "
        "cómo el estrés cambia lo que un niño puede aprender en ese momento.",
    ),
    (
        "Lista de verificación para un rincón de calma en el aula",
        "worksheet",
        ["classroom-nme", "sensory-regulation"],
        ["educators"],
        "nme",
        False,
        False,
        ContentLanguage.ES,
        "Una hoja de trabajo para que el equipo escolar prepare un rincón de calma y acuerde "
        "cuándo y cómo se usa.",
    ),
    (
        "Preguntas de supervisión reflexiva en español",
        "tool",
        ["supervision"],
        ["clinicians", "leaders"],
        "nmt",
        True,
        False,
        ContentLanguage.ES,
        "Preguntas para la supervisión clínica con la secuencia del desarrollo en mente, "
        "escritas por supervisores que trabajan con familias hispanohablantes.",
    ),
    (
        "Rhythm and routine at home / Ritmo y rutina en casa",
        "slides",
        ["relational-health", "sensory-regulation"],
        ["caregivers", "educators"],
        "both",
        False,
        False,
        ContentLanguage.BILINGUAL,
        "Slides for a family night, each one in English and Spanish. / Diapositivas para una "
        "noche con las familias, cada una en inglés y en español.",
    ),
]


def seed_agency_languages() -> int:
    """The languages each demo agency serves, for agencies that list none yet (an agency
    whose coordinator chose its languages is left alone). Returns how many agencies got
    theirs."""
    done = 0
    for agency in Agency.objects.filter(slug__in=AGENCY_LANGUAGES, languages__isnull=True):
        member_services.agency_languages_set(agency=agency, languages=AGENCY_LANGUAGES[agency.slug])
        done += 1
    return done
