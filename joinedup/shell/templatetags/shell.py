"""Draw an app's home panel inside the home page's own context (one pass of the context processors)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def home_panel(context: template.Context, panel: dict[str, Any]) -> SafeString:
    # The app's template is rendered by the template engine, so its output is
    # already escaped; nothing here marks user text safe.
    tmpl = context.template.engine.get_template(panel["template"])  # type: ignore[union-attr]
    with context.push(panel["context"]):
        return tmpl.render(context)
