"""Renewing a temporary relocation: one more term of up to six months, on the referral's page
as through the service and the API; bad input and finished referrals write nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aegis.audit.models import AuditEntry
from aegis.rules import Conflict, RuleError
from aegis.support import services
from aegis.support.models import Relocation
from aegis.vault.keychain import unlocked

from .conftest import client

pytestmark = pytest.mark.django_db


def _relocation(team, kind="relocation", *, accepted=True):
    """A relocation referral, sent and accepted by the host unless `accepted` is false."""
    provider = team.provider()
    team.consent()
    with unlocked(team.lucia.keychain()):
        referral = services.create_referral(
            team.case,
            provider,
            actor=team.lucia.user,
            purpose="Respite",
            shared=["pseudonym"],
            kind=kind,
            relocation={"destination_country": "ES", "destination_why": "Host", "host": "City"}
            if kind == "relocation"
            else None,
        )
        for status in ("sent", "accepted") if accepted else ():
            services.move_referral(referral, status, actor=team.lucia.user)
    return referral


def _term(referral):
    return Relocation.objects.values_list("months", "renewals").get(referral=referral)


def test_a_renewal_adds_up_to_six_months(team):
    referral = _relocation(team)
    with unlocked(team.lucia.keychain()):
        for months, match in [(7, "1 to 6"), (0, "1 to 6"), ("many", "Duration")]:
            with pytest.raises(RuleError, match=match) as refused:
                services.renew_relocation(referral, actor=team.lucia.user, months=months)
            assert refused.value.field == "months"
        assert _term(referral) == (6, 0)
        services.renew_relocation(referral, actor=team.lucia.user, months=6)
    assert _term(referral) == (12, 1)


def test_a_finished_referral_is_not_renewed(team):
    referral = _relocation(team)
    with unlocked(team.lucia.keychain()):
        services.move_referral(referral, "cancelled", actor=team.lucia.user)
        with pytest.raises(RuleError, match="cannot be renewed"):
            services.renew_relocation(referral, actor=team.lucia.user, months=3)
    assert _term(referral) == (6, 0)


def _url(referral):
    return reverse("support:referral-renew", kwargs={"referral_id": referral.pk})


def _page(web, referral):
    return web.get(
        reverse("support:referral", kwargs={"referral_id": referral.pk})
    ).content.decode()


def test_the_referral_page_renews_a_relocation(team):
    referral = _relocation(team)
    web = client(team.lucia)
    page = _page(web, referral)
    assert "Renew the relocation" in page
    assert "<dd>Spain · <bdi>Host</bdi></dd>" in page, "the country by name, not ES"
    before = AuditEntry.objects.filter(object_type="referral", action="record.update").count()
    response = web.post(_url(referral), {"months": "4"}, follow=True)
    assert "The relocation is renewed." in response.content.decode()
    assert _term(referral) == (10, 1)
    assert "1 renewal" in _page(web, referral)
    assert (
        AuditEntry.objects.filter(object_type="referral", action="record.update").count()
        == before + 1
    )


def test_bad_renewals_on_the_page_say_why_and_write_nothing(team):
    referral = _relocation(team)
    web = client(team.lucia)
    response = web.post(_url(referral), {"months": "9"}, follow=True)
    assert response.status_code == 200
    assert "1 to 6" in response.content.decode()
    response = web.post(_url(referral), {}, follow=True)
    assert "Give the number of months to add (1 to 6)." in response.content.decode()
    assert _term(referral) == (6, 0)


def test_a_service_referral_has_no_renewal(team):
    referral = _relocation(team, kind="service")
    web = client(team.lucia)
    assert "Renew the relocation" not in _page(web, referral)
    response = web.post(_url(referral), {"months": "3"}, follow=True)
    assert "not a relocation" in response.content.decode()
    assert not Relocation.objects.exists()


def test_another_compartment_cannot_renew(team):
    referral = _relocation(team)
    assert client(team.pedro).post(_url(referral), {"months": "3"}).status_code == 404
    assert _term(referral) == (6, 0)


def test_a_relocation_is_not_renewed_with_a_suspended_host_or_a_withdrawn_consent(team):
    """A renewal had skipped the checks a step forward makes: a stay at a host suspended since,
    or for a person who withdrew consent, could be extended six months at a time."""
    from aegis.cases import services as cases
    from aegis.cases.models import ConsentRecord

    referral = _relocation(team)
    with unlocked(team.karim.keychain()):
        services.vet(referral.provider, "suspended", actor=team.karim.user)
    with unlocked(team.lucia.keychain()), pytest.raises(RuleError, match="suspended"):
        services.renew_relocation(referral, actor=team.lucia.user, months=3)
    assert _term(referral) == (6, 0)

    referral = _relocation(team)
    for consent in ConsentRecord.objects.filter(withdrawn_at=None):
        cases.withdraw_consent(consent, actor_id=team.lucia.user.pk)
    with unlocked(team.lucia.keychain()), pytest.raises(RuleError, match="withdrew the consent"):
        services.renew_relocation(referral, actor=team.lucia.user, months=3)
    assert _term(referral) == (6, 0)


@pytest.mark.parametrize("sent", [False, True])
def test_only_an_accepted_relocation_is_renewed(team, sent):
    """A draft never sent had been "renewed" three times, to 24 months."""
    referral = _relocation(team, accepted=False)
    with unlocked(team.lucia.keychain()):
        if sent:
            services.move_referral(referral, "sent", actor=team.lucia.user)
        with pytest.raises(Conflict, match="not been accepted yet") as refused:
            services.renew_relocation(referral, actor=team.lucia.user, months=6)
    assert refused.value.field == "status"
    assert _term(referral) == (6, 0)


def test_the_page_offers_no_renewal_of_a_draft_and_refuses_one(team):
    referral = _relocation(team, accepted=False)
    web = client(team.lucia)
    assert "Renew the relocation" not in _page(web, referral)
    response = web.post(_url(referral), {"months": "6"}, follow=True)
    assert "can be renewed once the host accepts it" in response.content.decode()
    assert _term(referral) == (6, 0)
