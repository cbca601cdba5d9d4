"""Articles an analyst brings in by hand: pasted text, or an uploaded file (through the upload
checks of aegis.files; plain text and PDF are read, in memory, and only the text is kept).

The article is read as the worker reads a poll's entries (articles.run_extractors): in a
short-lived child process where AEGIS_MONITORING_EXTRACT_IN_CHILD is on, so that a web process
never holds the model, and before the transaction that keeps it with its proposal, so that no
database lock waits on the reading. A child that fails leaves the article kept with the empty
proposal its page calls unread (Added.read is then false), as the worker does."""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.files.uploads import UnacceptedKind, UploadRejected, check_upload
from aegis.rules import Conflict, RuleError
from aegis.text import CONTROL
from aegis.vault.keychain import KeyNotOpened, NoKeyAccess, VaultLocked

from . import articles, texts
from .drafts import EARLIEST
from .models import Article
from .vocabulary import ArticleOrigin, ProposalStatus

READABLE = ("text/plain", "application/pdf")
READABLE_SUFFIXES = (".txt", ".pdf")

# What became of an article added by hand, as its page and the API say it.
PROPOSED = gettext_lazy("The article is kept and proposed.")
UNREAD = gettext_lazy(
    "The article is kept, but the extractor could not read it: nothing is proposed from it. "
    "Fill in the incident by hand."
)
KEPT_AS_COPY = gettext_lazy("The article is kept: the same story was proposed already.")
MERGED_COPY = gettext_lazy(
    "The same story is incident %(reference)s already: the article is kept and added to it "
    "as another outlet, for its caseworkers to add as a source."
)
MIN_WORDS = 5


@dataclass(frozen=True)
class Added:
    article: Article
    # False: the extractor could not read the article (its proposal is empty, to be filled in
    # by hand); true as well for a copy of a story kept before, which is not read.
    read: bool


def outcome(added: Added) -> tuple[str, bool]:
    """What became of an article added by hand, in words, and whether it is a warning (the
    extractor could not read it). Its proposal: `added.article.proposal`, where it has one."""
    proposal = getattr(added.article, "proposal", None)
    if proposal is None:
        return str(KEPT_AS_COPY), False
    if proposal.status == ProposalStatus.MERGED:  # a copy of a story decided already
        try:
            reference = proposal.incident_reference
        except (NoKeyAccess, KeyNotOpened, VaultLocked):
            reference = ""
        return str(MERGED_COPY) % {"reference": reference or "—"}, False
    if added.read:
        return str(PROPOSED), False
    return str(UNREAD), True


def _published(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime.date) or value > clock.today():
        raise RuleError(_("Give the publication date, not in the future."), "published")
    if value < EARLIEST:
        raise RuleError(
            _("The date cannot be before %(year)s.") % {"year": EARLIEST.year}, "published"
        )
    return value


def _checked(title: str, url: str) -> tuple[str, str]:
    title = rules.text(title, "title", gettext_lazy("The title"), limit=500, line=True)
    url = texts.lowered_scheme(
        rules.text(url, "url", gettext_lazy("The address"), limit=1000, line=True)
    )
    if url and not texts.web_address(url):
        raise RuleError(
            _(
                "Give a web address starting with https:// or http://, of 1,000 characters at "
                "most, with no spaces, or none."
            ),
            "url",
        )
    return title, url


def add_pasted(
    *, actor_id: int | None, title: str, text: str, url: str = "", published: Any = None
) -> Added:
    title, url = _checked(title, url)
    if not title:
        raise RuleError(_("Give the article's title."), "title")
    text = rules.text(text, "text", gettext_lazy("The text"), limit=texts.TEXT_MAX)
    if len(texts.normalised_words(text)) < MIN_WORDS:
        raise RuleError(
            _("Paste the article's text: at least %(n)s words.") % {"n": MIN_WORDS}, "text"
        )
    if articles.seen(url):
        raise Conflict(_("This article is already kept."), "url")
    return _keep(ArticleOrigin.PASTED, actor_id, title, text, url, _published(published))


def _keep(
    origin: str,
    actor_id: int | None,
    title: str,
    text: str,
    url: str,
    published: datetime.date | None,
) -> Added:
    """Read the article, then keep it with its reading (articles.ingest: one transaction).
    Read outside any transaction: a child's start takes a second or so, a hung child up to
    extracting.timeout(1), and SQLite takes its write lock when a transaction starts."""
    language = texts.language_of(text)
    (extracted,) = articles.run_extractors([(title, text, published, language)])
    article = articles.ingest(
        origin=origin,
        title=title,
        text=text,
        url=url,
        published=published,
        language=language,
        actor_id=actor_id,
        extracted=extracted,
    )
    if article is None:  # kept in the meantime, by another analyst or the worker
        raise Conflict(_("This article is already kept."), "url")
    return Added(article, bool(extracted) or article.duplicate_of_id is not None)


def _pdf_text(data: BinaryIO) -> str:
    try:
        done = subprocess.run(
            ["pdftotext", "-q", "-enc", "UTF-8", "-", "-"],
            input=data.read(),
            capture_output=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise UploadRejected(_("This PDF could not be read; paste its text instead.")) from error
    # A font may map a glyph to a control character: nothing the sender can mend, so a space.
    return CONTROL.sub(" ", done.stdout.decode("utf-8", "replace"))


def add_upload(
    *,
    actor_id: int | None,
    source: BinaryIO,
    name: str,
    claimed_type: str = "",
    title: str = "",
    url: str = "",
    published: Any = None,
) -> Added:
    # Named for what this form reads, before the upload check's list of every kind it takes.
    if PurePath(str(name or "")).suffix.lower() not in READABLE_SUFFIXES:
        raise UploadRejected(_("Only plain text and PDF files can be read as articles."))
    try:
        checked = check_upload(source, name, claimed_type)
    except UnacceptedKind as error:  # ("a .txt" holding a NUL byte, binary named .pdf)
        raise UploadRejected(_("Only plain text and PDF files can be read as articles.")) from error
    if checked.content_type not in READABLE:
        raise UploadRejected(_("Only plain text and PDF files can be read as articles."))
    if checked.content_type == "application/pdf":
        text = _pdf_text(checked.data)
    else:
        try:  # the first 8 KB were checked as UTF-8; the rest must be too
            text = checked.data.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise UploadRejected(
                _("“%(name)s” is not plain text in UTF-8. Save it as UTF-8 text and send it again.")
                % {"name": checked.name}
            ) from error
    title, url = _checked(title or checked.name.rsplit(".", 1)[0], url)
    text = rules.text(
        text.replace("\x0c", "\n"), "file", gettext_lazy("The file's text"), limit=texts.TEXT_MAX
    )
    if len(texts.normalised_words(text)) < MIN_WORDS:
        raise UploadRejected(
            _("The file holds no article to read: at least %(n)s words are needed.")
            % {"n": MIN_WORDS}
        )
    published = _published(published)
    if articles.seen(url):
        raise Conflict(_("This article is already kept."), "url")
    return _keep(ArticleOrigin.UPLOAD, actor_id, title, text, url, published)
