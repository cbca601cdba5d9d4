"""Each mechanism's required elements: a communication built from demo-like case data can be
sent; leaving out any one element blocks "mark as sent" with a message naming it, and writes
nothing."""

from __future__ import annotations

import pytest

from aegis.advocacy import checks, services
from aegis.advocacy.models import Communication
from aegis.advocacy.vocabulary import Checks, Status
from aegis.rules import RuleError
from aegis.vault.keychain import unlocked

from .conftest import ELEMENTS, draft_for, mechanism, reviewed, variant

pytestmark = pytest.mark.django_db

ALL = list(Checks.values)

# For each mechanism and element: case data that leaves that element out.
WITHOUT = {
    "victims": variant(about_person=False, incident=False),
    "perpetrators": variant(perpetrator=None),
    "date": variant(incident=False),
    "place": variant(place=False),
    "account": variant(narrative="Threatened."),
    "name": variant(legal_name=""),
    "one_person": variant(second_victim=True),
    "month_year": variant(precision="year"),
    "forces": variant(perpetrator="unknown"),
    "beneficiaries": variant(about_person=False, incident=False),
    "removal": variant(drop=("removal",)),
}
for key in ELEMENTS:
    WITHOUT.setdefault(key, variant(drop=(key,)))
CONSENT = {
    # The consent rule of the mechanism: no consent on file and nothing in its place.
    "special_procedures": variant(consent=(), drop=("no_consent_reason",)),
    "achpr": variant(consent=(), drop=("no_consent_reason",)),
    "iachr": variant(consent=(), drop=("no_consent_reason",)),
    "reprisals": variant(consent=()),
    "wgeid": variant(consent=(), drop=("family_consent",)),
}
CASES = [
    pytest.param(c, e.key, id=f"{c}-{e.key}")
    for c in ALL
    for e in checks.elements_of(c)
    if e.key != "channel"
]


@pytest.mark.parametrize("checks_code", ALL)
def test_a_complete_communication_can_be_sent(team, checks_code):
    communication = reviewed(team, draft_for(team, checks_code))
    with unlocked(team.reviewer.keychain()):
        services.mark_sent(communication, actor_id=team.reviewer.user.pk)
    communication = Communication.objects.get(pk=communication.pk)
    assert communication.status == Status.SENT
    period = mechanism(checks_code).reply_period_days
    assert (communication.reply_due_on - communication.sent_on).days == period


@pytest.mark.parametrize(("checks_code", "key"), CASES)
def test_leaving_out_an_element_blocks_sending_and_names_it(team, checks_code, key):
    spec = CONSENT[checks_code] if key in ("consent", "family_consent") else WITHOUT[key]
    communication = reviewed(team, draft_for(team, checks_code, spec))
    element = next(e for e in checks.elements_of(checks_code) if e.key == key)
    with unlocked(team.reviewer.keychain()), pytest.raises(RuleError) as refused:
        services.mark_sent(communication, actor_id=team.reviewer.user.pk)
    assert str(element.label) in str(refused.value)
    assert "cannot be marked sent" in str(refused.value)
    stored = Communication.objects.get(pk=communication.pk)
    assert stored.status == Status.REVIEW and stored.sent_on is None


def test_interim_measures_are_never_sent_by_email(team):
    communication = reviewed(team, draft_for(team, "echr_rule_39"))
    # The mechanism's channel changed behind the settings page (its rule refuses e-mail).
    rule39 = mechanism("echr_rule_39")
    rule39.channel = "email"
    rule39.save()
    communication = Communication.objects.get(pk=communication.pk)
    with unlocked(team.reviewer.keychain()), pytest.raises(RuleError, match="never sent by e-mail"):
        services.mark_sent(communication, actor_id=team.reviewer.user.pk)
    with pytest.raises(RuleError, match="never sent by e-mail"):
        services.update_mechanism(
            mechanism("echr_rule_39"),
            actor_id=None,
            name="ECtHR",
            channel="email",
            address="",
            subject_convention="",
            consent_rule="person",
            languages="en,fr",
            kinds="interim",
            reply_period_days=3,
            active=True,
        )


def test_consent_or_a_reason_satisfies_a_person_or_reason_rule(team):
    spec = variant(consent=(), elements={**ELEMENTS, "no_consent_reason": "She is detained."})
    communication = reviewed(team, draft_for(team, "iachr", spec))
    with unlocked(team.reviewer.keychain()):
        services.mark_sent(communication, actor_id=team.reviewer.user.pk)
    assert Communication.objects.get(pk=communication.pk).status == Status.SENT
