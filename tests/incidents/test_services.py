"""Incident services: validation leaves nothing stored, the corroboration rule, acts, links."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from aegis import clock
from aegis.audit.models import AuditEntry
from aegis.cases import services as cases
from aegis.cases.models import CompartmentKey
from aegis.incidents import selectors, services
from aegis.incidents.models import (
    Act,
    ActPerpetrator,
    Incident,
    IncidentLink,
    Perpetrator,
    Source,
    VerificationChange,
    Victim,
)
from aegis.incidents.services import DescribedVictim
from aegis.roles import Role
from aegis.rules import RuleError
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.models import DataKey

from .conftest import DAY

pytestmark = pytest.mark.django_db

MEGABYTE = "x" * 1_000_000


def test_an_incident_is_stored_encrypted_with_its_own_compartment_key(team, outsider):
    incident = team.record(
        title="Raid on the radio station",
        description="Hooded men took the hard drives.",
        exact_location="14 Almond Street",
        date_end=datetime.date(2024, 3, 7),
        country="co",
        region="CO-ANT",
        cases=[team.case],
    )
    assert incident.reference.startswith(f"INC-{timezone.now().year}-")
    assert (incident.country, incident.region) == ("CO", "CO-ANT")
    assert CompartmentKey.objects.filter(
        compartment=team.compartment, data_key=incident.data_key
    ).exists()
    assert incident.data_key.purpose == "incident"
    assert list(incident.cases.all()) == [team.case]
    with unlocked(team.worker.keychain()):
        stored = Incident.objects.get(pk=incident.pk)
        assert (stored.title, stored.description, stored.exact_location) == (
            "Raid on the radio station",
            "Hooded men took the hard drives.",
            "14 Almond Street",
        )
    with unlocked(outsider.keychain()), pytest.raises(NoKeyAccess):
        _ = Incident.objects.get(pk=incident.pk).title
    assert selectors.incident_for(outsider.user, incident.reference) is None
    assert AuditEntry.objects.filter(
        action="record.create", object_type="incident", object_id=incident.reference
    ).exists()


def test_references_are_sequential(team):
    first, second = team.record(), team.record()
    assert int(second.reference[-5:]) == int(first.reference[-5:]) + 1


@pytest.mark.parametrize(
    ("precision", "given", "stored"),
    [
        ("day", datetime.date(2024, 3, 5), datetime.date(2024, 3, 5)),
        ("month", datetime.date(2024, 3, 5), datetime.date(2024, 3, 1)),
        ("year", datetime.date(2024, 3, 5), datetime.date(2024, 1, 1)),
        ("approximate", datetime.date(2024, 3, 5), datetime.date(2024, 3, 5)),
    ],
)
def test_date_precision_keeps_the_first_day_of_the_period(team, precision, given, stored):
    incident = team.record(date_start=given, date_precision=precision)
    assert (incident.date_start, incident.date_precision) == (stored, precision)


def _counts():
    return (
        Incident.objects.count(),
        DataKey.objects.count(),
        CompartmentKey.objects.count(),
        AuditEntry.objects.filter(object_type="incident").count(),
    )


TODAY = datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.UTC)
BAD_INCIDENTS = {
    "end before start": (
        {"date_end": DAY - datetime.timedelta(days=1)},
        "date_end",
        "before the start",
    ),
    "region of another country": (
        {"country": "CO", "region": "MX-CHP"},
        "region",
        "not a first-level region",
    ),
    "region without country": ({"region": "CO-ANT"}, "country", "country of this region"),
    "unknown country": ({"country": "XX"}, "country", "from the list"),
    "future": (  # two days after TODAY, the clock's date in these tests
        {"date_start": datetime.date(2024, 6, 3)},
        "date_start",
        "future",
    ),
    "no date": ({"date_start": None}, "date_start", "Give the date"),
    "year typed short": (
        {"date_start": datetime.date(24, 3, 5)},
        "date_start",
        "cannot start before 1900",
    ),
    "bad precision": ({"date_precision": "week"}, "date_precision", "listed values"),
    "empty title": ({"title": "   "}, "title", "short title"),
    "1 MB title": ({"title": MEGABYTE}, "title", "too long"),
    "1 MB description": ({"description": MEGABYTE}, "description", "too long"),
    "1 MB exact location": ({"exact_location": MEGABYTE}, "exact_location", "too long"),
    "null byte in title": ({"title": "Threat\x00"}, "title", "control characters"),
    "null byte in description": ({"description": "a\x00b"}, "description", "control characters"),
    "null byte in location": ({"exact_location": "\x00"}, "exact_location", "control characters"),
    "right-to-left override in title": (
        {"title": "Invoice \u202efdp.exe"},
        "title",
        "reading direction",
    ),
    "title on two lines": ({"title": "one\ntwo"}, "title", "one line"),
}


@pytest.mark.parametrize("case", sorted(BAD_INCIDENTS))
def test_bad_input_gets_a_clear_error_and_nothing_is_stored(team, case):
    fields, field, words = BAD_INCIDENTS[case]
    before = _counts()
    with clock.frozen(TODAY), pytest.raises(RuleError, match=words) as error:
        team.record(**fields)
    assert error.value.field == field
    assert _counts() == before


def test_a_case_of_another_compartment_is_refused_and_nothing_is_stored(
    team, make_compartment, make_case
):
    elsewhere = make_case(make_compartment(team.worker), team.worker)
    before = _counts()
    with pytest.raises(RuleError, match="another compartment"):
        team.record(cases=[team.case, elsewhere])
    assert _counts() == before


def test_update_checks_the_same_rules_and_keeps_the_old_values_on_error(team):
    incident = team.record(title="Before", country="CO", region="CO-ANT")
    with unlocked(team.worker.keychain()):
        with pytest.raises(RuleError, match="not a first-level region"):
            services.update_incident(
                incident, actor_id=team.worker.user.pk, reason="Fix", region="MX-CHP"
            )
        with pytest.raises(TypeError):
            services.update_incident(
                incident, actor_id=team.worker.user.pk, reason="Fix", verification="x"
            )
        stored = Incident.objects.get(pk=incident.pk)
        assert (stored.title, stored.region) == ("Before", "CO-ANT")
        services.update_incident(
            incident, actor_id=team.worker.user.pk, reason="Fix", title="After", region="CO-CAU"
        )
        stored = Incident.objects.get(pk=incident.pk)
        assert (stored.title, stored.region, stored.country) == ("After", "CO-CAU", "CO")


# --- Acts ---------------------------------------------------------------------------------


def test_an_act_links_victims_and_perpetrators_with_their_involvement(team):
    incident = team.record()
    with unlocked(team.worker.keychain()):
        police = services.create_perpetrator(
            team.compartment, actor_id=team.worker.user.pk, perpetrator_type="police", name="Unit 7"
        )
        company = services.create_perpetrator(
            team.compartment, actor_id=team.worker.user.pk, perpetrator_type="company"
        )
        act = services.add_act(
            incident,
            violation_type="arbitrary_detention",
            actor_id=team.worker.user.pk,
            victims=[team.case.person, team.case.person],  # the same person counts once
            perpetrators=[(police, "perpetrator"), (company, "instigator")],
            described_victims=[DescribedVictim("The driver", "man", "30_44")],
        )
        victims = [(v.person_id, v.description, v.sex, v.age_group) for v in act.victims.all()]
        assert victims == [
            (team.case.person.pk, None, "unknown", "unknown"),
            (None, "The driver", "man", "30_44"),
        ]
        assert [(p.perpetrator.name, p.involvement) for p in act.perpetrators.all()] == [
            ("Unit 7", "perpetrator"),
            ("", "instigator"),
        ]
        assert list(selectors.perpetrators_named(team.worker.user, "unit 7")) == [police]
    assert police.data_key_id != incident.data_key_id  # reusable across incidents: own key


@pytest.mark.parametrize(
    "problem",
    [
        "unknown violation",
        "victim elsewhere",
        "perpetrator elsewhere",
        "bad involvement",
        "empty described victim",
        "bad sex code",
        "1 MB described victim",
    ],
)
def test_a_broken_act_leaves_nothing_behind(team, make_compartment, make_case, problem):
    incident = team.record()
    other = make_compartment(team.worker)
    stranger_case = make_case(other, team.worker)
    with unlocked(team.worker.keychain()):
        local = services.create_perpetrator(team.compartment, actor_id=team.worker.user.pk)
        foreign = services.create_perpetrator(other, actor_id=team.worker.user.pk)
        kwargs = {
            "violation_type": "threat",
            "victims": [team.case.person],
            "perpetrators": [(local, "perpetrator")],
            "described_victims": [DescribedVictim("A neighbour")],
        }
        if problem == "unknown violation":
            kwargs["violation_type"] = "insult"
        elif problem == "victim elsewhere":
            kwargs["victims"] = [team.case.person, stranger_case.person]
        elif problem == "perpetrator elsewhere":
            kwargs["perpetrators"] = [(local, "perpetrator"), (foreign, "perpetrator")]
        elif problem == "bad involvement":
            kwargs["perpetrators"] = [(local, "mastermind")]
        elif problem == "empty described victim":
            kwargs["described_victims"] = [DescribedVictim("  ")]
        elif problem == "bad sex code":
            kwargs["described_victims"] = [DescribedVictim("A neighbour", sex="x")]
        else:
            kwargs["described_victims"] = [DescribedVictim(MEGABYTE)]
        with pytest.raises(RuleError):
            services.add_act(incident, actor_id=team.worker.user.pk, **kwargs)
    assert (Act.objects.count(), Victim.objects.count(), ActPerpetrator.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_perpetrator_is_named_once_per_act(team):
    incident = team.record()
    with unlocked(team.worker.keychain()):
        perpetrator = services.add_perpetrator(
            incident, actor_id=team.worker.user.pk, perpetrator_type="military"
        )
        act = services.add_act(
            incident,
            violation_type="threat",
            actor_id=team.worker.user.pk,
            perpetrators=[(perpetrator, "suspected")],
        )
        with pytest.raises(RuleError, match="already named"):
            services.add_perpetrator_to_act(act, perpetrator, "perpetrator", actor_id=None)
        with pytest.raises(RuleError, match="listed values"):
            services.create_perpetrator(team.compartment, actor_id=None, perpetrator_type="ninja")
        with pytest.raises(RuleError, match="reading direction"):
            services.create_perpetrator(team.compartment, actor_id=None, name="A\u202eB")
    assert Perpetrator.objects.count() == 1


def test_add_perpetrator_names_them_in_an_act_of_the_same_incident_only(team):
    first, second = team.record(), team.record()
    with unlocked(team.worker.keychain()):
        act = services.add_act(first, violation_type="threat", actor_id=None)
        with pytest.raises(RuleError, match="act of this incident"):
            services.add_perpetrator(second, actor_id=None, act=act)
        services.add_perpetrator(first, actor_id=None, act=act, involvement="accomplice")
    assert list(act.perpetrators.values_list("involvement", flat=True)) == ["accomplice"]
    assert Perpetrator.objects.count() == 1


# --- Sources and verification -------------------------------------------------------------


def _source(team, incident, independent=True, **fields):
    fields.setdefault("kind", "testimony")
    fields.setdefault("reliability", "B")
    with unlocked(team.worker.keychain()):
        return services.add_source(
            incident, actor_id=team.worker.user.pk, independent=independent, **fields
        )


def test_bad_sources_are_refused(team):
    incident = team.record()
    for fields, words in [
        ({"kind": "rumour"}, "listed values"),
        ({"reliability": "F"}, "listed values"),
        ({"description": MEGABYTE}, "too long"),
        ({"description": "\x00"}, "control characters"),
    ]:
        with pytest.raises(RuleError, match=words):
            _source(team, incident, **fields)
    assert Source.objects.count() == 0


def _verify(team, incident, status):
    with unlocked(team.worker.keychain()):
        return services.set_verification(incident, status, actor_id=team.worker.user.pk)


def test_corroboration_needs_two_independent_sources(team):
    incident = team.record()
    with pytest.raises(RuleError, match="this one has 0"):
        _verify(team, incident, "corroborated")
    _source(team, incident, independent=True)
    _source(team, incident, independent=False, kind="media")
    with pytest.raises(RuleError, match="this one has 1"):
        _verify(team, incident, "corroborated")
    assert Incident.objects.get(pk=incident.pk).verification == "unverified"
    assert VerificationChange.objects.count() == 0
    assert not AuditEntry.objects.filter(action="verification.change").exists()

    _source(team, incident, independent=True, kind="document")
    _verify(team, incident, "corroborated")
    assert Incident.objects.get(pk=incident.pk).verification == "corroborated"


def test_verified_records_who_and_when_and_every_change_is_audited(team):
    incident = team.record()
    before = timezone.now()
    incident = _verify(team, incident, "verified")
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.verification == "verified"
    assert stored.verified_by == team.worker.user
    assert stored.verified_at is not None and stored.verified_at >= before
    with pytest.raises(RuleError, match="already has"):
        _verify(team, incident, "verified")
    with pytest.raises(RuleError, match="listed values"):
        _verify(team, incident, "true")
    _verify(team, incident, "unverified")
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.verified_by, stored.verified_at) == (None, None)
    history = [
        (c.from_status, c.to_status, c.changed_by_id) for c in stored.verification_changes.all()
    ]
    assert history == [
        ("unverified", "verified", team.worker.user.pk),
        ("verified", "unverified", team.worker.user.pk),
    ]
    audited = AuditEntry.objects.filter(
        action="verification.change", object_type="incident", object_id=incident.reference
    )
    assert audited.count() == 2
    assert set(audited.values_list("actor_id", flat=True)) == {team.worker.user.pk}


# --- Chain of events ----------------------------------------------------------------------


def test_links_make_a_chain_of_events(team):
    threat, attack, flight = team.record(), team.record(), team.record()
    actor = team.worker.user.pk
    services.link_incidents(threat, attack, kind="caused", actor_id=actor)
    services.link_incidents(flight, attack, kind="followed", actor_id=actor)
    with pytest.raises(RuleError, match="itself"):
        services.link_incidents(threat, threat, kind="related", actor_id=actor)
    with pytest.raises(RuleError, match="already linked"):
        services.link_incidents(threat, attack, kind="caused", actor_id=actor)
    with pytest.raises(RuleError, match="listed values"):
        services.link_incidents(threat, flight, kind="inspired", actor_id=actor)
    # The same link the other way round: each cannot have caused the other.
    for kind in ("caused",):
        with pytest.raises(RuleError, match="the other way round"):
            services.link_incidents(attack, threat, kind=kind, actor_id=actor)
    services.link_incidents(threat, flight, kind="related", actor_id=actor)
    with pytest.raises(RuleError, match="the other way round"):
        services.link_incidents(flight, threat, kind="related", actor_id=actor)
    outgoing, incoming = selectors.links_of(team.worker.user, attack)
    assert outgoing == []
    assert [(link.from_incident, link.kind) for link in incoming] == [
        (threat, "caused"),
        (flight, "followed"),
    ]


def test_links_need_both_incidents_visible_and_hide_the_invisible_end(
    team, make_person, make_compartment
):
    karim = make_person(Role.COORDINATOR)
    mine = team.record()
    other_compartment = make_compartment(karim)
    with unlocked(karim.keychain()):
        theirs = services.create_incident(
            other_compartment, actor_id=karim.user.pk, title="Elsewhere", date_start=DAY
        )
    # Someone who cannot see both gets the same answer as for a missing incident.
    with pytest.raises(RuleError, match="no incident with this reference"):
        services.link_incidents(mine, theirs, kind="related", actor_id=team.worker.user.pk)
    with pytest.raises(RuleError, match="no incident with this reference"):
        services.link_incidents(mine, theirs, kind="related", actor_id=None)
    assert IncidentLink.objects.count() == 0
    # A member of both may link them; each side then sees only what it may see.
    with unlocked(team.worker.keychain()):
        cases.add_member(team.compartment, karim.user, actor_id=team.worker.user.pk)
    services.link_incidents(mine, theirs, kind="caused", actor_id=karim.user.pk)
    assert selectors.links_of(karim.user, mine)[0][0].to_incident == theirs
    assert selectors.links_of(team.worker.user, mine) == ([], [])
