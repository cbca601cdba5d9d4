"""A referral's step forward asks again what its draft was made on: a provider suspended,
blocked or past its re-vetting date since then is sent nothing and accepts nothing, and a
consent the person withdrew stops it from going further; cancelling, declining and
completing stay possible."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from aegis import clock
from aegis.cases import services as cases
from aegis.rules import RuleError
from aegis.support import services
from aegis.support.models import Provider, Referral
from aegis.vault.keychain import unlocked

from .conftest import api_client

pytestmark = pytest.mark.django_db


def _draft(team, provider=None):
    provider = provider or team.provider()
    consent = team.consent()
    with unlocked(team.lucia.keychain()):
        referral = services.create_referral(
            team.case, provider, actor=team.lucia.user, purpose="Advice", shared=["pseudonym"]
        )
    return referral, provider, consent


def _move(team, referral, status):
    with unlocked(team.lucia.keychain()):
        return services.move_referral(
            Referral.objects.get(pk=referral.pk), status, actor=team.lucia.user
        )


def _refused(team, referral, status, match):
    with pytest.raises(RuleError, match=match) as refused:
        _move(team, referral, status)
    return refused.value


@pytest.mark.parametrize(
    ("decision", "words"),
    [("suspended", "is suspended"), ("blocked", "is blocked")],
)
def test_a_draft_is_not_sent_to_a_provider_suspended_or_blocked_since(team, decision, words):
    referral, provider, _consent = _draft(team)
    with unlocked(team.karim.keychain()):
        services.vet(provider, decision, actor=team.karim.user)
    error = _refused(team, referral, "sent", f"Abogadas del Sur {words}")
    assert error.field == "provider"
    assert Referral.objects.get(pk=referral.pk).status == "draft"
    _move(team, referral, "cancelled")
    assert Referral.objects.get(pk=referral.pk).status == "cancelled"


def test_a_draft_is_not_sent_to_a_provider_past_its_revetting_date(team):
    referral, provider, _consent = _draft(team)
    Provider.objects.filter(pk=provider.pk).update(revet_on=clock.today() - timedelta(days=1))
    _refused(team, referral, "sent", "was due for re-vetting on")
    assert Referral.objects.get(pk=referral.pk).status == "draft"


def test_a_draft_is_not_sent_to_a_paused_provider_but_a_sent_one_may_be_accepted(team):
    referral, provider, _consent = _draft(team)
    with unlocked(team.karim.keychain()):
        services.set_availability(provider, "paused", actor=team.karim.user)
    _refused(team, referral, "sent", "has paused new referrals")
    with unlocked(team.karim.keychain()):
        services.set_availability(provider, "available", actor=team.karim.user)
    _move(team, referral, "sent")
    with unlocked(team.karim.keychain()):
        services.set_availability(provider, "paused", actor=team.karim.user)
    assert _move(team, referral, "accepted").status == "accepted"


def test_a_sent_referral_is_not_accepted_by_a_provider_suspended_since(team):
    referral, provider, _consent = _draft(team)
    _move(team, referral, "sent")
    with unlocked(team.karim.keychain()):
        services.vet(provider, "suspended", actor=team.karim.user)
    _refused(team, referral, "accepted", "is suspended")
    assert _move(team, referral, "declined").status == "declined"


def test_a_referral_goes_no_further_once_its_consent_is_withdrawn(team):
    referral, _provider, consent = _draft(team)
    _move(team, referral, "sent")
    with unlocked(team.lucia.keychain()):
        cases.withdraw_consent(consent, actor_id=team.lucia.user.pk)
    error = _refused(team, referral, "accepted", "withdrew the consent this referral rests on")
    assert error.field == "consent"
    response = api_client(team.lucia).post(
        f"/api/v1/support/referrals/{referral.pk}/status",
        data=json.dumps({"status": "accepted"}),
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["field"] == "consent"
    assert Referral.objects.get(pk=referral.pk).status == "sent"
    assert _move(team, referral, "cancelled").status == "cancelled"


def test_an_accepted_referral_may_still_be_completed_after_the_consent_is_withdrawn(team):
    referral, _provider, consent = _draft(team)
    _move(team, referral, "sent")
    _move(team, referral, "accepted")
    with unlocked(team.lucia.keychain()):
        cases.withdraw_consent(consent, actor_id=team.lucia.user.pk)
    assert _move(team, referral, "completed").status == "completed"
