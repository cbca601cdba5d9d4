"""Form fields of the public pages rendered in Python.

Django's form renderer goes through several templates per field; for the report form that
is tens of milliseconds per page, which an anonymous form that must stay fast under a flood
cannot afford. These functions produce the same accessible markup (label, help text linked
with aria-describedby, errors, aria-invalid) directly. Every value is escaped."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def _control(bound: forms.BoundField, extra: dict[str, Any]) -> str:
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({**widget.attrs, **extra})
    attrs.setdefault("id", bound.auto_id)
    name = bound.html_name
    if isinstance(widget, forms.Select):
        return str(widget.render(name, bound.value(), attrs))
    if isinstance(widget, forms.Textarea):
        value = widget.format_value(bound.value()) or ""
        return f'<textarea name="{escape(name)}"{flatatt(attrs)}>\n{escape(value)}</textarea>'
    if isinstance(widget, forms.FileInput):
        if getattr(widget, "allow_multiple_selected", False):
            attrs["multiple"] = True  # once: Django's attributes may hold it already
        attrs.pop("required", None)
        return f'<input type="file" name="{escape(name)}"{flatatt(attrs)}>'
    if isinstance(widget, Input):
        value = widget.format_value(bound.value())
        shown = f' value="{escape(value)}"' if value not in (None, "") else ""
        return f'<input type="{widget.input_type}" name="{escape(name)}"{flatatt(attrs)}{shown}>'
    return str(bound.as_widget(attrs=extra))  # any other widget: Django's own rendering


def _described(bound: forms.BoundField) -> tuple[str, str, dict[str, str]]:
    """(help html, errors html, attributes that link them to the control)."""
    ids = []
    help_html = errors_html = ""
    if bound.help_text:
        help_id = f"{bound.auto_id}_helptext"
        help_html = f'<p class="muted" id="{help_id}">{conditional_escape(bound.help_text)}</p>'
        ids.append(help_id)
    if bound.errors:
        error_id = f"{bound.auto_id}_error"
        text = " ".join(conditional_escape(str(e)) for e in bound.errors)
        errors_html = f'<p class="error" id="{error_id}">{text}</p>'
        ids.append(error_id)
    extra = {"aria-describedby": " ".join(ids)} if ids else {}
    if bound.errors:
        extra["aria-invalid"] = "true"
    return help_html, errors_html, extra


def field(bound: forms.BoundField) -> SafeString:
    help_html, errors_html, extra = _described(bound)
    label = f'<label for="{bound.auto_id}">{escape(bound.label)}</label>'
    control = _control(bound, extra)
    return mark_safe(f"<div>{label}{help_html}{errors_html}{control}</div>")  # noqa: S308


class Fields:
    """`{{ fields.narrative }}` in a template: one field, rendered by `field`."""

    def __init__(self, form: forms.Form) -> None:
        self.form = form

    def __getitem__(self, name: str) -> SafeString:
        return field(self.form[name])
