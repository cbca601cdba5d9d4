"""Working copies of PDFs, redrawn.

A PDF carries more than its pages: an author and the program that made it (often a person's
or an office's name), XMP metadata, JavaScript run on opening, launch actions, links and
attached files. A working copy is what staff open on their own computers and pass around, so
it is redrawn page by page by poppler's `pdftocairo` (Debian's poppler-utils): the pages look
the same and their text stays selectable, and nothing else of the file is carried over. The
original keeps every byte as the evidentiary copy. The file goes through pipes only, never a
temporary file, since evidence is never in clear on the disk."""

from __future__ import annotations

import subprocess

from django.utils.translation import gettext_lazy as _

CONTENT_TYPE = "application/pdf"
# Generous for a long scanned report on a slow server; a file that takes longer is refused
# rather than holding the request (a web worker is stopped at 120 s).
SECONDS = 60
# The most memory pdftocairo may take: a hostile page (200 inches square, a huge image)
# fails on its own rather than taking the server's memory. Set by util-linux's prlimit (in
# every Debian), not a preexec_fn, which is unsafe in the web server's threads.
MEMORY_BYTES = 1024 * 1024 * 1024


class Unreadable(Exception):
    MESSAGE = _(
        "This PDF could not be redrawn for a working copy (it is damaged, protected by a "
        "password, or too long to redraw). The original is kept unchanged; download it "
        "instead."
    )


def is_pdf(content_type: str) -> bool:
    return content_type == CONTENT_TYPE


def redrawn(data: bytes) -> bytes:
    """The same pages as a new PDF with no metadata, scripts, actions or attachments."""
    try:
        done = subprocess.run(
            ["prlimit", f"--as={MEMORY_BYTES}", "pdftocairo", "-pdf", "-q", "-", "-"],
            input=data,
            capture_output=True,
            timeout=SECONDS,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise Unreadable() from error
    if not done.stdout.startswith(b"%PDF-"):
        raise Unreadable()
    return done.stdout
