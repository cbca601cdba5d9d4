"""Demo evidence: generated photos (with a fictional GPS position in their EXIF) and short
documents attached to the demo cases, with a working copy and a download in the custody log.
Everything here is fictional."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from aegis.cases.models import Case

from . import services

# (file name, caption drawn on the photo, fictional GPS: (lat, lon), camera)
PHOTOS = [
    ("muro-amenaza.jpg", "PINTADA / GRAFFITI", (4.5981, -74.0760), "DemoCam X100"),
    ("checkpoint-road.jpg", "CHECKPOINT", (14.6349, -90.5069), "DemoPhone 7"),
    ("bureau-perquisitionne.png", "BUREAU", (-4.3217, 15.3126), "DemoCam S2"),
]
DOCUMENTS = [
    (
        "testimonio.txt",
        "Testimonio (ficticio): el 3 de marzo dos hombres en moto siguieron a la defensora "
        "desde la asamblea comunitaria hasta su casa.\n",
    ),
    (
        "witness-statement.txt",
        "Witness statement (fictional): the journalist's office was searched without a "
        "warrant; two laptops were taken.\n",
    ),
    (
        "note-de-menace.txt",
        "Transcription (fictive) d'une note glissée sous la porte : « Arrête ou ta famille "
        "paiera. »\n",
    ),
]


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 2))


def demo_photo(caption: str, gps: tuple[float, float], camera: str, fmt: str = "JPEG") -> bytes:
    """A generated picture whose EXIF carries a camera model and a (fictional) GPS position."""
    image = Image.new("RGB", (640, 420), (120, 135, 150))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 600, 360), fill=(215, 205, 190), outline=(60, 60, 60), width=4)
    draw.text((70, 190), caption, fill=(150, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "Demo"  # Make
    exif[0x0110] = camera  # Model
    gps_ifd = exif.get_ifd(0x8825)
    lat, lon = gps
    gps_ifd[1], gps_ifd[2] = ("N" if lat >= 0 else "S"), _dms(lat)
    gps_ifd[3], gps_ifd[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def create_demo_data(compartment: Any, actor: Any) -> None:
    cases = list(Case.objects.filter(compartment=compartment).order_by("opened_at", "pk")[:3])
    for number, case in enumerate(cases):
        name, caption, gps, camera = PHOTOS[number % len(PHOTOS)]
        fmt = "PNG" if name.endswith(".png") else "JPEG"
        photo = services.upload_evidence(
            case,
            io.BytesIO(demo_photo(caption, gps, camera, fmt)),
            name,
            actor_id=actor.pk,
            reason="Sent by the defender over Signal",
            description=f"Photo taken at the scene ({caption.lower()}).",
        )
        doc_name, text = DOCUMENTS[number % len(DOCUMENTS)]
        services.upload_evidence(
            case,
            io.BytesIO(text.encode()),
            doc_name,
            actor_id=actor.pk,
            reason="Typed up from a recorded interview",
            description="Transcript",
        )
        services.make_working_copy(
            photo, actor_id=actor.pk, reason="To share with the legal team without GPS data"
        )
        if number == 0:
            services.download(
                photo, actor_id=actor.pk, reason="Preparing a communication to a UN mechanism"
            )
