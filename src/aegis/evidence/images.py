"""Working copies of photos without their metadata.

EXIF (with GPS position, camera serial numbers, dates), XMP and ICC profiles can identify a
source or a place. A working copy is re-encoded from the pixels alone, so none of it can
travel with the copy; the original keeps everything, untouched, as the evidentiary copy."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from aegis.files.uploads import IMAGE_TYPES, MAX_IMAGE_PIXELS

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Modes each format writes faithfully; anything else is converted first.
_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": {"1", "L", "LA", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
}
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 95, "subsampling": 0},
    "PNG": {},
    "WEBP": {"lossless": True},
}


class MetadataRemains(RuntimeError):
    """The re-encoded image still carries metadata: refuse to call it clean."""


def is_image(content_type: str) -> bool:
    return content_type in IMAGE_TYPES


def without_metadata(data: bytes, content_type: str) -> bytes:
    """The same picture, in the same format, carrying pixels only."""
    fmt = _FORMATS[content_type]
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        # Orientation is metadata too: apply it to the pixels so the copy looks the same.
        image = ImageOps.exif_transpose(source)
    if image.mode not in _MODES[fmt]:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha and fmt != "JPEG" else "RGB")
    # A new image holds no info dictionary: only the pixels are copied over.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, fmt, **_SAVE_OPTIONS[fmt])
    result = out.getvalue()
    _check_clean(result)
    return result


def _check_clean(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        leftovers = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(image.info)
        if len(image.getexif()) or leftovers:
            raise MetadataRemains(f"metadata left after re-encoding: {sorted(leftovers)}")
        text = getattr(image, "text", None)
        if text:
            raise MetadataRemains("text chunks left after re-encoding")
