"""Demo reports: fictional, anonymous or not, in several languages, one with a reply from the
intake team. Sent through the same service as the public form (receipt codes are dropped:
nobody holds them)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from aegis.cases import selectors as case_selectors
from aegis.cases import services as cases
from aegis.files.uploads import check_upload

from . import services, triage
from .models import Submission
from .services import Report, When

DEMO_REPORTS = [
    Report(
        narrative=(
            "Después de la asamblea comunitaria sobre el río, dos hombres en moto me siguieron "
            "hasta mi casa. Al día siguiente recibí un mensaje diciendo que dejara de hablar "
            "de la mina. (Relato ficticio de demostración.)"
        ),
        target_kind="me",
        perpetrator_type="paramilitary",
        when=When(2025, 3, 14),
        country="CO",
        region="CO-ANT",
        place_details="Vereda ficticia El Roble, cerca de la escuela",
        language="es",
    ),
    Report(
        narrative=(
            "Notre local a été fouillé pendant la nuit; les ordinateurs de l'association ont "
            "disparu. Des agents en civil avaient photographié l'entrée la semaine précédente. "
            "(Récit fictif de démonstration.)"
        ),
        target_kind="organisation",
        perpetrator_type="unknown",
        when=When(2025, 1, approximate=True),
        country="CM",
        region="CM-LT",
        language="fr",
    ),
    Report(
        narrative=(
            "تلقت الصحفية رسائل تهديد بالقتل بعد نشر تحقيقها عن الأراضي الزراعية، ونُشر عنوان "
            "منزلها على الإنترنت. (رواية خيالية لأغراض العرض.)"
        ),
        target_kind="someone_else",
        perpetrator_type="unknown",
        when=When(2024),
        country="EG",
        region="EG-C",
        language="ar",
    ),
    Report(
        narrative=(
            "Police dispersed our union meeting and took the names of the organisers. Two of "
            "them have since been called in for questioning. (Fictional demo account.)"
        ),
        target_kind="group",
        perpetrator_type="police",
        anonymous=False,
        contact_name="Demo Reporter",
        contact_channel="Signal, evenings only",
        when=When(2025, 6, 2),
        country="PH",
        region="PH-00",
        place_details="Community hall (fictional)",
        language="en",
    ),
]
DEMO_REPLY = (
    "Gracias por escribirnos. Una persona del equipo quiere hablar con usted: ¿hay un momento "
    "seguro para llamarle? Puede contestar aquí con su código."
)


def create_demo_data(compartment: Any, actor: Any) -> None:
    """Called inside the actor's key context. `compartment` is the cases demo's; reports go to
    the intake team, which the actor joins if the demo has not made them a member."""
    intake = services.intake_compartment()
    if not case_selectors.member_of(actor, intake.pk):
        cases.add_member(intake, actor, actor_id=actor.pk)
    receipts = [services.submit_report(report) for report in DEMO_REPORTS[:-1]]
    receipts.append(services.submit_report(DEMO_REPORTS[-1], [_demo_photo()]))
    first = Submission.objects.get(pk=receipts[0].submission_id)
    triage.reply(first, DEMO_REPLY, actor_id=actor.pk)


def _demo_photo() -> Any:
    """A small plain image standing in for a reporter's photo (fictional, no metadata)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 140, 160)).save(buffer, format="PNG")
    buffer.seek(0)
    return check_upload(buffer, "community-hall.png", "image/png")
