"""Showing the language of a training or a resource (see portal.content_language)."""

from django import template
from django.utils.html import format_html

from portal import content_language

register = template.Library()


@register.filter
def lang_attr(content) -> str:
    """` lang="es"` for an element holding the text of ``content`` (anything with a
    ``language``) when its language differs from the page's; nothing otherwise.
    ``<h1{{ training|lang_attr }}>``."""
    value = content_language.lang_attribute(getattr(content, "language", ""))
    return format_html(' lang="{}"', value) if value else ""


@register.simple_tag
def content_language_tag(content) -> str:
    """The tag naming the content's language ("In Spanish"), or nothing when it is the page's."""
    text = content_language.label(getattr(content, "language", ""))
    return format_html('<span class="tag tag--language">{}</span>', text) if text else ""
