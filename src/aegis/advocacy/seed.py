"""The mechanisms shipped with Aegis, as data an administrator may then edit (channel,
address, languages, consent rule, reply period). The data migration writes them; the demo
writes them again where a test run emptied the tables. Names are marked for translation; the
pages show them in the reader's language. Reply periods are the usual ones, not rules: Special
Procedures and WGEID ask States to reply within 60 days, the IACHR sets a term in each request
(often 10 to 15 days), the ECtHR decides interim measures within days."""

from typing import Any

from django.utils.translation import gettext_noop as _

SP, WG, REP, IA, EC, AC = (
    "special_procedures",
    "wgeid",
    "reprisals",
    "iachr",
    "echr_rule_39",
    "achpr",
)
MECHANISMS: list[dict[str, Any]] = [
    {
        "code": "un-special-procedures",
        "name": _("UN Special Procedures"),
        "checks": SP,
        "kinds": "urgent_appeal,allegation_letter,follow_up",
        "channel": "online_form",
        "address": "https://spsubmission.ohchr.org/",
        "subject_convention": "",
        "consent_rule": "person_or_reason",
        "languages": "en,fr,es",
        "reply_period_days": 60,
        "mandates": [
            ("hrds", _("Special Rapporteur on the situation of human rights defenders")),
            ("torture", _("Special Rapporteur on torture")),
            ("expression", _("Special Rapporteur on freedom of opinion and expression")),
            (
                "assembly",
                _("Special Rapporteur on freedom of peaceful assembly and of association"),
            ),
            ("detention", _("Working Group on Arbitrary Detention")),
            (
                "executions",
                _("Special Rapporteur on extrajudicial, summary or arbitrary executions"),
            ),
            ("judges", _("Special Rapporteur on the independence of judges and lawyers")),
            ("indigenous", _("Special Rapporteur on the rights of Indigenous Peoples")),
            ("environment", _("Special Rapporteur on human rights and the environment")),
        ],
    },
    {
        "code": "wgeid",
        "name": _("Working Group on Enforced or Involuntary Disappearances"),
        "checks": WG,
        "kinds": "disappearance,urgent_appeal,follow_up",
        "channel": "email",
        "address": "ohchr-wgeid@un.org",
        "subject_convention": "WGEID – new case – <country> – <surname>",
        "consent_rule": "family",
        "languages": "en,fr,es",
        "reply_period_days": 60,
        "mandates": [],
    },
    {
        "code": "un-reprisals",
        "name": _("UN reprisals (intimidation for cooperating with the UN)"),
        "checks": REP,
        "kinds": "reprisal,follow_up",
        "channel": "email",
        "address": "reprisals@ohchr.org",
        "subject_convention": "Reprisal – <country> – <date>",
        "consent_rule": "person",
        "languages": "en,fr,es,ar",
        "reply_period_days": 60,
        "mandates": [],
    },
    {
        "code": "iachr-precautionary",
        "name": _("Inter-American Commission on Human Rights: precautionary measures"),
        "checks": IA,
        "kinds": "precautionary,follow_up",
        "channel": "portal",
        "address": "https://www.oas.org/ipsp/",
        "subject_convention": "",
        "consent_rule": "person_or_reason",
        "languages": "es,en,fr",
        "reply_period_days": 15,
        "mandates": [],
    },
    {
        "code": "echr-rule-39",
        "name": _("European Court of Human Rights: interim measures (Rule 39)"),
        "checks": EC,
        "kinds": "interim,follow_up",
        "channel": "fax_post",
        "address": "+33 (0)3 88 41 39 00",
        "subject_convention": "RULE 39 – URGENT – <country> – removal on <removal>",
        "consent_rule": "person",
        "languages": "en,fr",
        "reply_period_days": 3,
        "mandates": [],
    },
    {
        "code": "achpr-hrds",
        "name": _("African Commission: Special Rapporteur on human rights defenders"),
        "checks": AC,
        "kinds": "urgent_appeal,allegation_letter,follow_up",
        "channel": "email",
        "address": "au-banjul@africa-union.org",
        "subject_convention": "Urgent appeal – HRD – <country>",
        "consent_rule": "person_or_reason",
        "languages": "en,fr,ar",
        "reply_period_days": 30,
        "mandates": [],
    },
]


def ensure(mechanism_model: Any, mandate_model: Any) -> None:
    """Write the shipped mechanisms that are not there; never change an edited one. Takes the
    model classes so that the migration can pass its historical ones."""
    for spec in MECHANISMS:
        fields = {k: v for k, v in spec.items() if k != "mandates"}
        mechanism, _created = mechanism_model.objects.get_or_create(
            code=fields["code"], defaults=fields
        )
        for code, name in spec["mandates"]:
            mandate_model.objects.get_or_create(
                mechanism=mechanism, code=code, defaults={"name": name}
            )
