"""Form base classes: practice-limited choices, native date pickers, plain-words errors."""

from __future__ import annotations

from typing import Any

from django import forms

from knead.practice.scoping import PracticeScoped


class PracticeForm(forms.ModelForm):
    """A ModelForm whose choices of related records come only from the current practice."""

    def __init__(self, *args: Any, practice: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if issubclass(model, PracticeScoped):
                    field.queryset = model.objects.for_practice(practice)
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            elif isinstance(field, forms.TimeField):
                field.widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
