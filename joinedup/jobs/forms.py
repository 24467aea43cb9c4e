from django import forms


class StartTrainingForm(forms.Form):
    seed = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "invalid": "Enter the seed as a whole number, like 1",
            "min_value": "Enter a seed of 1 or more",
        },
    )
