"""Fictional defenders and cases for `aegis demo`. Every name, number and story here is
invented; any resemblance to real people is accidental."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from . import services
from .models import Compartment

# pseudonym, legal name, phone, identity document, gender, age group, sector, country, region,
# languages, organisation, contact channels
PEOPLE: list[dict[str, str]] = [
    {
        "pseudonym": "Ceiba",
        "legal_name": "Marisol Quintero Arango",
        "phone": "+57 310 555 0142",
        "identity_document": "CC 1.017.555.321",
        "gender": "woman",
        "age_group": "30_44",
        "sector": "land_environment",
        "country": "CO",
        "region": "CO-ANT",
        "languages": "es",
        "organisation": "Asociación Campesina del Río Claro (fictional)",
        "contact_channels": "Signal: +57 310 555 0142\nVisits to the parish office on Sundays",
    },
    {
        "pseudonym": "Quetzal",
        "legal_name": "Baltazar Ixcoy Tum",
        "phone": "+502 5555 0187",
        "identity_document": "DPI 2555 01873 0101",
        "gender": "man",
        "age_group": "45_59",
        "sector": "indigenous",
        "country": "GT",
        "region": "GT-14",
        "languages": "es,quc",
        "organisation": "Consejo de Autoridades Ancestrales (fictional)",
        "contact_channels": "WhatsApp: +502 5555 0187",
    },
    {
        "pseudonym": "Garza",
        "legal_name": "Lourdes Yamileth Banegas",
        "phone": "+504 9555 0133",
        "identity_document": "0801-1990-55501",
        "gender": "woman",
        "age_group": "30_44",
        "sector": "womens_rights",
        "country": "HN",
        "region": "HN-FM",
        "languages": "es,en",
        "organisation": "Colectiva Mujeres del Valle (fictional)",
        "contact_channels": "Signal: +504 9555 0133\nEmail through the collective",
    },
    {
        "pseudonym": "Colibrí",
        "legal_name": "Andrés Villaseñor Peña",
        "phone": "+52 55 5555 0161",
        "identity_document": "VIPA850101HDFLXN05",
        "gender": "non_binary",
        "age_group": "18_29",
        "sector": "journalism",
        "country": "MX",
        "region": "MX-GRO",
        "languages": "es,en",
        "organisation": "Radio Comunitaria La Voz del Monte (fictional)",
        "contact_channels": "Matrix: @colibri-demo:example.org",
    },
    {
        "pseudonym": "Narra",
        "legal_name": "Josefina Dimaculangan",
        "phone": "+63 917 555 0119",
        "identity_document": "PSN 5555-0119-7733",
        "gender": "woman",
        "age_group": "60_plus",
        "sector": "labour",
        "country": "PH",
        "region": "PH-07",
        "languages": "tl,en",
        "organisation": "Samahan ng mga Manggagawa sa Asukal (fictional)",
        "contact_channels": "Signal: +63 917 555 0119",
    },
    {
        "pseudonym": "Mvule",
        "legal_name": "Wanjiru Achieng Otieno",
        "phone": "+254 712 555 014",
        "identity_document": "ID 55501477",
        "gender": "woman",
        "age_group": "30_44",
        "sector": "legal",
        "country": "KE",
        "region": "KE-28",
        "languages": "sw,en",
        "organisation": "Haki Pwani Legal Aid (fictional)",
        "contact_channels": "Signal: +254 712 555 014\nPhone calls after 18:00 only",
    },
    {
        "pseudonym": "Baobab",
        "legal_name": "Okello Emmanuel Ojok",
        "phone": "+256 772 555 016",
        "identity_document": "CM5555016XYZ",
        "gender": "man",
        "age_group": "18_29",
        "sector": "lgbti",
        "country": "UG",
        "region": "UG-C",
        "languages": "en,sw,fr",
        "organisation": "",
        "contact_channels": "Email only, through a trusted intermediary",
    },
]

# (pseudonym or None for a group/organisation, subject kind, subject name, summary,
#  statuses with reasons, notes, tasks as (title, days from today, done), consents)
CASES: list[dict[str, Any]] = [
    {
        "person": "Ceiba",
        "summary": "Death threats by phone after the community filed a land restitution claim. "
        "Unknown men photographed her house twice in one week.",
        "statuses": [("active", "Threats are specific and repeated; protection plan started.")],
        "notes": [
            "Call with Ceiba: she keeps a log of the calls. The numbers change each time.",
            "Parish priest offers a room for two weeks if she needs to leave the farm.",
        ],
        "tasks": [
            ("Request protective measures from the national protection unit", -5, False),
            ("Collect the call log and screenshots", -10, True),
            ("Review the safety plan with Ceiba", 7, False),
        ],
        "consents": [
            ("un_mechanism", "Oral consent by Signal call, witnessed by a colleague."),
            ("public_statistics", ""),
        ],
    },
    {
        "person": "Quetzal",
        "summary": "Criminal complaint for 'usurpation' filed against the community authority "
        "after the assembly rejected a mining licence. Hearing in three weeks.",
        "statuses": [("active", "Judicial harassment confirmed; lawyer assigned.")],
        "notes": [
            "The complaint copies the wording of two earlier complaints against other "
            "authorities in the same municipality."
        ],
        "tasks": [
            ("Brief the defence lawyer on earlier similar complaints", 3, False),
            ("Prepare a trial observation request", -2, False),
        ],
        "consents": [("share_partner", "Agreed in the assembly, minutes kept by the council.")],
    },
    {
        "person": "Garza",
        "summary": "Smear campaign on social media calling the collective 'abortion "
        "criminals'; her home address was published.",
        "statuses": [
            ("active", "Address published: risk raised."),
            ("monitoring", "Posts removed; no incident for four weeks."),
        ],
        "notes": [
            "Platform removed 14 of 20 reported posts.",
            "She moved to her sister's house; the collective pays the transport.",
        ],
        "tasks": [("Check the reported posts again", 14, False)],
        "consents": [
            ("public_statistics", ""),
            ("publish_name", "Only together with the collective's statement."),
        ],
    },
    {
        "person": "Colibrí",
        "summary": "Radio station raided at night; transmitter and two laptops taken. "
        "Colibrí was followed home the next day by a motorcycle without plates.",
        "statuses": [],
        "notes": ["First contact through the community radio network."],
        "tasks": [("Arrange a digital security check of the remaining devices", -1, False)],
        "consents": [],
    },
    {
        "person": "Narra",
        "summary": "Union leader at a sugar mill; red-tagged on posters in the town plaza "
        "and visited at home by men who said they were 'checking on her'.",
        "statuses": [
            ("active", "Red-tagging is often followed by attacks in this province."),
            ("closed", "Relocated to her daughter's city; she asked to close the case."),
        ],
        "notes": ["Daughter helped with the move; new address kept out of the case file."],
        "tasks": [("Send the relocation grant receipt to the finance team", -20, True)],
        "consents": [("un_mechanism", "Written consent, scanned copy in the evidence file.")],
    },
    {
        "person": "Mvule",
        "summary": "Lawyer for fisherfolk evicted from a beach landing site; her car tyres "
        "were slashed outside the court.",
        "statuses": [("monitoring", "Single incident so far; monitoring while the case runs.")],
        "notes": ["Court clerk says the next hearing is in two months."],
        "tasks": [("Call Mvule after the next hearing", 60, False)],
        "consents": [("share_partner", "By phone, for the regional lawyers' network only.")],
    },
    {
        "person": "Baobab",
        "summary": "Outed in a newspaper article with a photograph; landlord gave notice the "
        "same week and neighbours threatened him.",
        "statuses": [("active", "Needs a safe place within days.")],
        "notes": ["Temporary shelter found for one month through a partner organisation."],
        "tasks": [
            ("Find longer-term housing", -3, False),
            ("Ask for psychosocial support", 2, False),
        ],
        "consents": [("share_partner", "Only with the shelter partner, not with others.")],
    },
    {
        "person": None,
        "subject_kind": "organisation",
        "subject_name": "Red de Defensoras del Agua (fictional network)",
        "country": "HN",
        "region": "HN-AT",
        "sector": "land_environment",
        "summary": "Office of the network broken into; files about a dam project taken, "
        "money left untouched.",
        "statuses": [("active", "Targeted theft of documents: likely linked to their work.")],
        "notes": ["The network keeps copies of the files abroad; nothing lost for good."],
        "tasks": [("Help the network change its locks and its passwords", -7, False)],
        "consents": [],
    },
]


def create_demo_data(compartment: Compartment, actor: Any) -> None:
    """Runs inside the demo caseworker's unlocked keys (see aegis/demo.py)."""
    today = timezone.localdate()
    people = {}
    for fields in PEOPLE:
        people[fields["pseudonym"]] = services.create_person(
            compartment, actor_id=actor.pk, **fields
        )
    for spec in CASES:
        person = people[spec["person"]] if spec["person"] else None
        case = services.start_case(
            compartment,
            subject_kind=spec.get("subject_kind", "person"),
            actor_id=actor.pk,
            summary=spec["summary"],
            person=person,
            subject_name=spec.get("subject_name", ""),
            country=spec.get("country", ""),
            region=spec.get("region", ""),
            sector=spec.get("sector", ""),
        )
        for status, reason in spec["statuses"]:
            services.change_status(case, status, reason, actor_id=actor.pk)
        for body in spec["notes"]:
            services.add_note(case, body, actor_id=actor.pk)
        for title, days, done in spec["tasks"]:
            task = services.add_task(
                case, title, actor_id=actor.pk, due_on=today + timedelta(days=days)
            )
            if done:
                services.complete_task(task, actor_id=actor.pk)
        if person is not None:
            for scope, note in spec["consents"]:
                services.record_consent(person, scope, note, actor_id=actor.pk)
