"""The policies page lists a step's audiences and channels with the reader's words: the
channels had been joined with an English ", then " and every list with a Latin comma, on
an Arabic page too."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _built_in_ladder(client: Client, language: str) -> str:
    client.cookies["django_language"] = language
    page = client.get(reverse("alerts:policies")).content.decode()
    return re.findall(r'<ol class="steps">.*?</ol>', page, re.S)[0]


def test_a_steps_lists_are_joined_in_the_readers_language(team):
    reader = sign_in(Client(), team.karim)
    english = _built_in_ladder(reader, "en")
    assert "Responders of the compartment, The defender" in english
    assert "Contacts by Email, then SMS" in english
    arabic = _built_in_ladder(reader, "ar")
    assert "then" not in arabic and "," not in arabic, arabic
    assert "المستجيبون/ات في الحيّز، جهات اتصال الطوارئ" in arabic
    assert "البريد الإلكتروني، ثم رسالة نصية" in arabic
    spanish = _built_in_ladder(reader, "es")
    assert "then" not in spanish and ", luego " in spanish, spanish


def test_a_one_minute_step_is_said_in_the_singular():
    """ "Step 1, 1 minutes to acknowledge" had been read on the policies and the drill report."""
    from django.template.loader import render_to_string

    steps = [
        {"number": 1, "deadline_minutes": 1, "audiences": ["Responders"], "channels": []},
        {"number": 2, "deadline_minutes": 5, "audiences": ["Contacts"], "channels": []},
    ]
    page = render_to_string("alerts/policies_steps.html", {"steps": steps})
    assert "Step 1, 1 minute to acknowledge:" in page
    assert "Step 2, 5 minutes to acknowledge:" in page
