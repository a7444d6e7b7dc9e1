"""Slugs for rows that are addressed by one (trainings, library resources)."""

from django.db import models
from django.utils.text import slugify

MAX_BASE_LENGTH = 180


def unique_slug(
    model: type[models.Model], text: str, *, fallback: str, reserved: frozenset[str] = frozenset()
) -> str:
    """``slugify(text)``, made unique among ``model``'s slugs with "-2", "-3", …

    ``fallback`` stands in for a text with no letters; a slug in ``reserved`` (a path the
    app's URLs use) gets "-<fallback>" appended. Uniqueness is also the database's constraint:
    this only avoids the error in the ordinary case."""
    base = slugify(text)[:MAX_BASE_LENGTH] or fallback
    if base in reserved:
        base = f"{base}-{fallback}"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
