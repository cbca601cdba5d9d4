"""Coded values of monitoring (kept in clear: they identify nobody)."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    FEED = "feed", _("RSS or Atom feed")
    PAGE = "page", _("Web page")


class ArticleOrigin(models.TextChoices):
    FEED = "feed", _("Feed")
    PAGE = "page", _("Web page")
    PASTED = "pasted", _("Pasted text")
    UPLOAD = "upload", _("Uploaded file")


class SourceStatus(models.TextChoices):
    """What the last poll of a source found. Each is shown on the source, and one source's
    failure never stops the others."""

    NEW = "new", _("Not read yet")
    OK = "ok", _("Read")
    MALFORMED = "malformed", _("Malformed feed")
    NOT_FOUND = "not_found", _("Not found (404)")
    HTTP_ERROR = "http_error", _("The server answered with an error")
    TIMEOUT = "timeout", _("Timed out")
    UNREACHABLE = "unreachable", _("Could not connect")
    ROBOTS = "robots", _("Refused by robots.txt")
    UNKNOWN_LANGUAGE = "unknown_language", _("Unknown language")
    NO_TEXT = "no_text", _("No article text found")
    PROXY = "proxy", _("The proxy is misconfigured")
    # A web page whose address is an article kept already from another source (a feed's
    # entry, an analyst's paste): not fetched, so neither "Read" nor a time it was read.
    KNOWN = "known", _("Already known from another source")


def detail_words(detail: str) -> str:
    """A source's status detail (polling.poll: an HTTP status, a few fixed words, counts
    joined by "; ") in the reader's language; "" for what only a programmer reads (an
    exception's name, which the status already says in words)."""
    if "; " in detail:
        return "; ".join(w for part in detail.split("; ") if (w := detail_words(part)))
    if detail.startswith("robots.txt "):
        why = detail_words(detail.removeprefix("robots.txt "))
        return gettext("robots.txt: %(why)s") % {"why": why} if why else ""
    if re.fullmatch(r"\d{3}", detail):
        return gettext("the server answered %(code)s") % {"code": detail}
    fixed = {
        "too slow": gettext("too slow"),
        "too large": gettext("too large to read"),
        "too long": gettext("too large to read"),
        "too many redirects": gettext("too many redirects"),
        "not a public address": gettext("not a public address"),
        "not an http(s) address": gettext("not a web address"),
        "not a feed": gettext("a web page, not an RSS or Atom feed"),
    }
    if detail in fixed:
        return fixed[detail]
    if found := re.fullmatch(r"(\d+) not kept", detail):
        n = int(found.group(1))
        return ngettext(
            "%(n)s article could not be kept", "%(n)s articles could not be kept", n
        ) % {"n": n}
    if found := re.fullmatch(r"(\d+) summary only", detail):
        n = int(found.group(1))
        return ngettext(
            "%(n)s article kept from the feed's summary only: its page could not be read",
            "%(n)s articles kept from the feed's summary only: their pages could not be read",
            n,
        ) % {"n": n}
    if found := re.fullmatch(r"\w*, (\d+) new", detail):
        n = int(found.group(1))
        return ngettext(
            "%(n)s new article read before the error", "%(n)s new articles read before the error", n
        ) % {"n": n}
    return ""


def unread_page_words(status: str, detail: str) -> str:
    """Why an article's page could not be read (Article.page_status, page_detail), where only
    its feed's summary was kept, in the reader's language; "" when it was read."""
    if not status:
        return ""
    why = detail_words(detail)
    if not why:
        why = str(SourceStatus(status).label) if status in SourceStatus.values else status
    return gettext(
        "Only the feed's summary of this article was read: its page could not be read (%(why)s)."
    ) % {"why": why}


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    MERGED = "merged", _("Merged into an incident")
    REJECTED = "rejected", _("Rejected")


class RejectReason(models.TextChoices):
    NOT_AN_ATTACK = "not_attack", _("Not an attack on a defender")
    DUPLICATE = "duplicate", _("Already recorded")
    OUT_OF_SCOPE = "out_of_scope", _("Outside our mandate")
    UNRELIABLE = "unreliable", _("Unreliable source")
    WRONG_EXTRACTION = "wrong", _("The extraction is wrong beyond repair")
    OTHER = "other", _("Other")


class Narrative(models.TextChoices):
    FOREIGN_AGENT = "foreign_agent", _("Foreign agent")
    TERRORIST = "terrorist", _("Terrorist")
    CRIMINAL = "criminal", _("Criminal")
    TRAITOR = "traitor", _("Traitor or enemy of the nation")
    IMMORAL = "immoral", _("Immoral or against tradition")
    CORRUPT = "corrupt", _("Corrupt or paid")
    OTHER = "other", _("Other")


class Platform(models.TextChoices):
    NEWS = "news", _("News media")
    TV_RADIO = "tv_radio", _("Television or radio")
    X = "x", _("X (Twitter)")
    FACEBOOK = "facebook", _("Facebook")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TIKTOK = "tiktok", _("TikTok")
    YOUTUBE = "youtube", _("YouTube")
    OFFICIAL = "official", _("Official statements")
    OTHER = "other", _("Other")


class Method(models.TextChoices):
    COORDINATED_ACCOUNTS = "coordinated", _("Coordinated or fake accounts")
    HASHTAGS = "hashtags", _("Hashtag campaigns")
    DOXXING = "doxxing", _("Publishing personal data")
    FABRICATED = "fabricated", _("Fabricated documents or images")
    OFFICIAL_SPEECH = "official_speech", _("Statements by officials")
    PAID_MEDIA = "paid_media", _("Paid or friendly media")
    OTHER = "other", _("Other")


class TargetKind(models.TextChoices):
    DEFENDER = "defender", _("A defender")
    ORGANISATION = "organisation", _("An organisation")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
