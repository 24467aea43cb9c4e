"""Form pieces shared by every app: the GOV.UK date input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class GovukForm(forms.Form):
    """A form whose "required" messages say what to do, as GOV.UK asks, instead of "This field is required"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if (
                "required" in field.error_messages
                and field.error_messages["required"] == forms.Field.default_error_messages["required"]
            ):
                label = (field.label or "this").rstrip(":?").replace(" (optional)", "")
                label = label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label
                choosing = isinstance(
                    field, forms.ChoiceField | forms.ModelMultipleChoiceField | forms.ModelChoiceField
                )
                field.error_messages["required"] = f"{'Choose' if choosing else 'Enter'} {label}."


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes, as in the GOV.UK date input pattern."""

    template_name = "govuk/widgets/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = {
            "day": forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date from three boxes, with GOV.UK style messages saying exactly what is missing."""

    widget = DateInputWidget

    def __init__(self, *, past_only: bool = True, **kwargs: Any) -> None:
        self.past_only = past_only
        fields = (forms.CharField(required=False), forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(part or "").strip() for part in data_list)
        label = (self.label or "Date").capitalize()
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}.")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{label} must be a real date, written in numbers, like 27 3 2011.")
        if len(year) != 4:
            raise ValidationError(f"{label} year must have 4 numbers, like 2011.")
        try:
            value = dt.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"{label} must be a real date.") from exc
        if self.past_only and value > dt.date.today():  # noqa: DTZ011 - a calendar date
            raise ValidationError(f"{label} must be today or in the past.")
        if value.year < 1900:
            raise ValidationError(f"{label} must be after 1900.")
        return value


class TokenForm(GovukForm):
    name = forms.CharField(label="Token name", max_length=100, help_text="What will use it, e.g. the MASH case system")
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        choices=[("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never (not recommended)")],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
        widget=forms.RadioSelect,
    )


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has it, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
