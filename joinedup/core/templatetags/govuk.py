"""Template tags that render form fields as GOV.UK Frontend components."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


def _component(field: forms.BoundField) -> str:
    widget = field.field.widget
    # CheckboxSelectMultiple is a subclass of RadioSelect: ask about it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.MultiWidget):
        return "date_input"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    return "input"


@register.inclusion_tag("govuk/field.html")
def govuk_field(field: forms.BoundField, width: str = "", autocomplete: str = "off") -> dict[str, Any]:
    """One GOV.UK form group for a bound field: label, hint, error message, control."""
    return {
        "field": field,
        "component": _component(field),
        "width": width,
        "autocomplete": autocomplete,
    }


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(*forms_: forms.Form) -> dict[str, Any]:
    """The error summary at the top of a page, linking to each field in error."""
    items: list[dict[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            items.append({"text": message, "href": ""})
        for bound in form:
            for message in bound.errors:
                anchor = bound.id_for_label or bound.auto_id
                if isinstance(bound.field.widget, forms.MultiWidget):
                    anchor = f"{bound.auto_id}_day"
                elif isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                    anchor = f"{bound.auto_id}_0"
                items.append({"text": message, "href": f"#{anchor}"})
    return {"items": items}


@register.filter
def widget_attr(field: forms.BoundField, name: str) -> Any:
    return field.field.widget.attrs.get(name, "")


@register.filter
def date_parts(field: forms.BoundField) -> list[dict[str, Any]]:
    """The day, month and year boxes of a date field, with what the user typed kept."""
    value = field.value()
    if not isinstance(value, (list, tuple)):
        value = field.field.widget.decompress(value)
    parts = []
    for (suffix, label, width), part in zip(
        (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)), value, strict=True
    ):
        parts.append(
            {
                "name": f"{field.html_name}_{suffix}",
                "id": f"{field.auto_id}_{suffix}",
                "label": label,
                "value": "" if part is None else part,
                "width": width,
            }
        )
    return parts


@register.filter
def is_selected(value: Any, current: Any) -> bool:
    """Whether a choice is the field's current value (both compared as text)."""
    if isinstance(current, (list, tuple)):
        return str(value) in {str(c) for c in current}
    return str(value) == ("" if current is None else str(current))
