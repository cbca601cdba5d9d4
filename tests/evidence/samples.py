"""Files made on the spot for the evidence tests: photos with GPS EXIF, XMP and PNG text
chunks, disguised executables, decompression bombs; and unpacking exhibit packages."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

from PIL import Image, PngImagePlugin

CAMERA = "CanaryCam-7731"
GPS = {1: "N", 2: (4.0, 35.0, 12.5), 3: "W", 4: (74.0, 4.0, 33.0)}
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>XmpCanary-5512</rdf:RDF></x:xmpmeta>'


def photo(fmt: str = "JPEG", size=(96, 64), text_chunk: str | None = None) -> bytes:
    """A picture carrying a camera model and a GPS position in EXIF (and XMP for JPEG)."""
    image = Image.new("RGB", size, (200, 40, 40))
    for x in range(size[0]):
        image.putpixel((x, x % size[1]), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = CAMERA
    gps = exif.get_ifd(0x8825)
    gps.update(GPS)
    out = io.BytesIO()
    options: dict = {"exif": exif.tobytes()}
    if fmt == "JPEG":
        options["xmp"] = XMP
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text_chunk or "TextChunkCanary-9931")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        options["pnginfo"] = info
    image.save(out, fmt, **options)
    return out.getvalue()


def blob_files(media_root: Path) -> list[Path]:
    root = media_root / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(0x8825))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_with_script(text: str = "Visible statement text") -> bytes:
    """A one-page PDF that runs JavaScript on opening, has a link that launches a program,
    and names its author in its Info dictionary, as a hostile or careless one would."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R"
        b" /Names << /JavaScript << /Names [(x) 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 5 0 R"
        b" /Resources << /Font << /F1 6 0 R >> >> /Annots [7 0 R] >>",
        b"<< /S /JavaScript /JS (app.alert\\('ScriptCanary'\\)) >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100]"
        b" /A << /S /Launch /F (LaunchCanary.exe) >> >>",
        b"<< /Author (AuthorCanary Maria) /Producer (ProducerCanary) >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 8 0 R >>\n" % (len(objects) + 1)
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def bomb_png() -> bytes:
    """20000 by 20000 pixels (400 megapixels) in a few tens of kilobytes."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def unpack(data: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert not name.startswith("/") and ".." not in Path(name).parts
        archive.extractall(target)
    return target


def sha256sum_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"], cwd=root, capture_output=True, text=True
    )
