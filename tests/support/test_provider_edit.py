"""Editing a provider's directory entry: the checks of creation, only by holders of the
directory key (the contacts are rewritten under it, never in clear), audited, and a new
re-vetting date only a coordinator's and never in the past."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.rules import RuleError
from aegis.support import services
from aegis.support.models import Provider
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Abogadas del Sur",
    "kinds": ["legal"],
    "countries": ["CO"],
    "regions": ["CO-ANT"],
    "languages": "es",
    "capacity": 3,
    "cost": "pro bono",
    "contact": "Calle 5 #12, +57 300 555 0101",
}


def _stored(provider):
    return Provider.objects.values("name", "kinds", "regions", "revet_on", "capacity").get(
        pk=provider.pk
    )


def _edits(provider_id):
    return AuditEntry.objects.filter(
        action="record.update", object_type="provider", object_id=str(provider_id)
    ).count()


def test_a_member_edits_the_entry_and_it_is_audited(team):
    provider = team.provider()
    before = _edits(provider.pk)
    with unlocked(team.lucia.keychain()):
        services.update_provider(
            provider,
            actor=team.lucia.user,
            **{**FIELDS, "contact": "New line +57 1", "capacity": 5},
        )
    assert _edits(provider.pk) == before + 1
    with unlocked(team.lucia.keychain()):
        again = Provider.objects.get(pk=provider.pk)
        assert again.contact == "New line +57 1" and again.capacity == 5
    assert again.vetting == "approved"  # the vetting decision is not the editor's


def test_bad_input_is_refused_with_the_checks_of_creation_and_writes_nothing(team):
    provider = team.provider()
    stored = _stored(provider)
    before = _edits(provider.pk)
    with unlocked(team.lucia.keychain()):
        for fields, match in [
            ({"name": ""}, "Name"),
            ({"kinds": []}, "at least one kind"),
            ({"regions": ["PE-LIM"]}, "not a region"),
            ({"countries": ["XX"]}, "Unknown country"),
            ({"capacity": -1}, "Capacity"),
        ]:
            with pytest.raises(RuleError, match=match):
                services.update_provider(provider, actor=team.lucia.user, **{**FIELDS, **fields})
            provider = Provider.objects.get(pk=provider.pk)
    assert _stored(provider) == stored and _edits(provider.pk) == before


def test_someone_outside_the_directory_compartment_cannot_edit(team):
    provider = team.provider()
    stored = _stored(provider)
    with unlocked(team.pedro.keychain()), pytest.raises(RuleError, match="not a member"):
        services.update_provider(provider, actor=team.pedro.user, **{**FIELDS, "name": "Other"})
    assert _stored(provider) == stored


def test_the_revetting_date_is_a_coordinators_and_not_in_the_past(team):
    provider = team.provider()
    stored = provider.revet_on
    past = clock.today() - timedelta(days=1)
    later = clock.today() + timedelta(days=30)
    with unlocked(team.lucia.keychain()):
        with pytest.raises(RuleError, match="Only a coordinator") as refused:
            services.update_provider(provider, actor=team.lucia.user, revet_on=later, **FIELDS)
        assert refused.value.field == "revet_on"
        # Sending the stored date back unchanged is no change.
        services.update_provider(provider, actor=team.lucia.user, revet_on=stored, **FIELDS)
    with unlocked(team.karim.keychain()):
        with pytest.raises(RuleError, match="cannot be in the past") as refused:
            services.update_provider(provider, actor=team.karim.user, revet_on=past, **FIELDS)
        assert refused.value.field == "revet_on"
        with pytest.raises(RuleError, match="is far from today; check the year") as refused:
            services.update_provider(
                provider, actor=team.karim.user, revet_on="9999-12-31", **FIELDS
            )
        assert refused.value.field == "revet_on"
        with pytest.raises(RuleError, match="needs a re-vetting date"):
            services.update_provider(provider, actor=team.karim.user, revet_on="", **FIELDS)
        assert Provider.objects.get(pk=provider.pk).revet_on == stored
        services.update_provider(
            provider, actor=team.karim.user, revet_on=later.isoformat(), **FIELDS
        )
    assert Provider.objects.get(pk=provider.pk).revet_on == later


def test_a_provider_due_for_revetting_can_be_edited_keeping_its_past_date(team):
    provider = team.provider()
    with clock.frozen(clock.now() + timedelta(days=200)):
        assert services.revetting_due(provider)
        with unlocked(team.karim.keychain()):
            services.update_provider(
                provider, actor=team.karim.user, revet_on=provider.revet_on, **FIELDS
            )
            with pytest.raises(RuleError, match="cannot be in the past"):
                services.update_provider(
                    provider,
                    actor=team.karim.user,
                    revet_on=provider.revet_on + timedelta(days=1),
                    **FIELDS,
                )
        assert services.revetting_due(Provider.objects.get(pk=provider.pk))


# --- The page -----------------------------------------------------------------------------


def _url(provider):
    return reverse("support:provider-edit", kwargs={"provider_id": provider.pk})


def _form(**extra):
    return {
        "name": "Abogadas del Sur",
        "kinds": ["legal"],
        "countries": ["CO"],
        "regions": "CO-ANT",
        "languages": "es",
        "capacity": "3",
        "availability": "available",
        "cost": "pro bono",
        "contact": "Calle 5 #12",
        "notes": "",
        **extra,
    }


def test_the_edit_page_shows_the_entry_and_saves_it(team):
    provider = team.provider()
    web = client(team.lucia)
    page = web.get(_url(provider)).content.decode()
    assert "Calle 5 #12, +57 300 555 0101" in page  # the contact, opened with the key
    assert 'name="revet_on"' not in page  # not a caseworker's to change
    assert 'name="safe_house_address"' not in page
    response = web.post(_url(provider), _form(contact="Oficina nueva, +57 300 999"))
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = web.get(reverse("support:provider", kwargs={"provider_id": provider.pk}))
    assert "Oficina nueva, +57 300 999" in shown.content.decode()
    assert "Edit the details" in shown.content.decode()


def test_bad_input_on_the_edit_page_is_shown_and_writes_nothing(team):
    provider = team.provider()
    stored = _stored(provider)
    response = client(team.lucia).post(_url(provider), _form(regions="PE-LIM"))
    assert response.status_code == 422
    assert "not a region of the countries chosen" in response.content.decode()
    assert _stored(provider) == stored


def test_a_coordinator_is_refused_a_past_revetting_date_on_the_page(team):
    provider = team.provider()
    stored = _stored(provider)
    web = client(team.karim)
    assert 'name="revet_on"' in web.get(_url(provider)).content.decode()
    past = (clock.today() - timedelta(days=3)).isoformat()
    response = web.post(_url(provider), _form(revet_on=past))
    assert response.status_code == 422
    assert "Re-vetting date cannot be in the past." in response.content.decode()
    assert _stored(provider) == stored
    later = clock.today() + timedelta(days=90)
    assert web.post(_url(provider), _form(revet_on=later.isoformat())).status_code == 302
    assert Provider.objects.get(pk=provider.pk).revet_on == later


def test_someone_who_cannot_read_the_contacts_is_sent_back(team):
    provider = team.provider()
    stored = _stored(provider)
    web = client(team.pedro)
    response = web.get(_url(provider), follow=True)
    page = response.content.decode()
    assert "Only members of the compartment this provider was entered in can edit it" in page
    assert "Calle 5" not in page
    response = web.post(_url(provider), _form(name="Taken over"), follow=True)
    assert "can edit it" in response.content.decode()
    assert _stored(provider) == stored
    assert (
        client(team.pedro)
        .get(reverse("support:provider", kwargs={"provider_id": provider.pk}))
        .status_code
        == 200
    )
