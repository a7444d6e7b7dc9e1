from django import template

from portal.markup import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render Markdown to sanitised HTML (see portal.markup)."""
    return render_markdown(text)
