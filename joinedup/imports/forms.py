from __future__ import annotations

from typing import Any

from django import forms

from joinedup.core.forms import GovukForm
from joinedup.imports.reading import MAX_BYTES

COLUMN_CHOICES = [
    ("standard", "The first line uses the standard headers"),
    ("file", "A columns file maps my columns (the TOML that link_files reads)"),
]


class RecordImportForm(GovukForm):
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="Up to 20 MB and 50,000 rows. Files over 200 rows are imported in the background.",
    )
    columns = forms.ChoiceField(
        label="How are the file's columns named?", choices=COLUMN_CHOICES, widget=forms.RadioSelect, initial="standard"
    )
    columns_file = forms.CharField(
        label="Columns file (if you chose one)",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text='Paste it here, for example: [defaults] id = "Case ref", full_name = "Name", date_of_birth = '
        '{ column = "DOB", formats = ["%d/%m/%Y"] }',
    )
    # A file refused for its column map is kept; this names it, so it need not be chosen again.
    upload = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files."
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("columns") == "file" and not (data.get("columns_file") or "").strip():
            self.add_error("columns_file", "Paste the columns file, or choose the standard headers.")
        if not data.get("file") and not data.get("upload"):
            self.add_error("file", "Choose a CSV file to import.")
        return data
