"""News monitoring: the sources the worker reads, the articles it found, the proposals the
extractor made from them, and smear campaigns.

Sources are the organisation's reading list (public addresses, in clear). An article's
address, title and text are public news, but they become sensitive once linked to a case, so
they are ciphertext under a key of the article's own, sealed to analysts, case staff and the
recovery key (services.article_key). What stays in clear is coded or needed to work without
keys: the dates, the language, the extractor's confidence in tenths, and two fingerprints for
finding the same story twice (a hash of the address and a MinHash signature of the normalised
text), both keyed (fingerprints.py). The texts are padded, so that their lengths do not say
which public article a row is (docs/decisions.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from aegis.incidents.vocabulary import Reliability
from aegis.vault.fields import LINE_PADDED, NAME_PADDED, TEXT_PADDED, EncryptedTextField

from .vocabulary import (
    ArticleOrigin,
    Confidence,
    Method,
    Narrative,
    Platform,
    ProposalStatus,
    RejectReason,
    SourceKind,
    SourceStatus,
    TargetKind,
    detail_words,
    unread_page_words,
)


class Source(models.Model):
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    url = models.URLField(max_length=1000)
    language = models.CharField(max_length=8, blank=True, help_text="Expected, e.g. es")
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default="C")
    interval_minutes = models.PositiveIntegerField(default=60)
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=SourceStatus.choices, default="new")
    status_detail = models.CharField(max_length=200, blank=True)  # a code or an HTTP status
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    articles_found = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["is_active", "next_poll_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def detail_said(self) -> str:
        """The status detail in words (vocabulary.detail_words); none beside "Not found
        (404)", which says it."""
        return "" if self.status == SourceStatus.NOT_FOUND else detail_words(self.status_detail)


class Article(models.Model):
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    origin = models.CharField(max_length=8, choices=ArticleOrigin.choices)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    # Padded: a public article's length would otherwise tell which one this is.
    url = EncryptedTextField(pad=LINE_PADDED)
    title = EncryptedTextField(pad=LINE_PADDED)
    text = EncryptedTextField(pad=TEXT_PADDED)
    url_hash = models.CharField(max_length=64, blank=True, db_index=True)
    signature = models.BinaryField(default=b"", blank=True)  # texts.signature: 64 x 32 bits
    language = models.CharField(max_length=8, blank=True)
    published = models.DateField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    fetched_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why a feed entry's page could not be read (a SourceStatus and its detail, as a source's),
    # so that only the feed's summary is the text: its proposal says so, else the summary
    # passed for the whole article. Coded, as the source's status is; "" when it was read.
    page_status = models.CharField(max_length=20, choices=SourceStatus.choices, blank=True)
    page_detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        indexes = [
            models.Index(fields=["-fetched_at", "-id"], name="monitoring_article_order"),
            # A source's latest articles (its page): without it, every article of the source
            # was read and sorted (208 ms of SQL for a source of 30,000).
            models.Index(fields=["source", "-fetched_at", "-id"], name="monitoring_by_source"),
        ]

    def __str__(self) -> str:
        return f"article {self.pk}"

    @property
    def unread_page_said(self) -> str:
        """That only the feed's summary was read, and why, in words; "" when the page was."""
        return unread_page_words(self.page_status, self.page_detail)


class Proposal(models.Model):
    """What the extractor proposed from one article, and the analyst's decision, kept (with
    the values the analyst corrected) to learn from: `aegis monitoring train --decisions`
    (docs/decisions.md, "The analysts' decisions are learnt from, without a word of the
    organisation's own")."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="proposal")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    extracted = EncryptedTextField(
        pad=TEXT_PADDED, help_text="The extractor's proposal, as JSON."
    )  # padded: the shipped extractor run on a public article gives the same JSON
    edited = EncryptedTextField(
        pad=TEXT_PADDED, help_text="The analyst's corrections, as JSON; empty if none."
    )
    is_attack = models.BooleanField(default=False)
    confidence = models.FloatField(default=0.0)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    reject_reason = models.CharField(max_length=16, choices=RejectReason.choices, blank=True)
    reject_note = EncryptedTextField()
    # The incident it was accepted or merged into, sealed: in clear, beside the article's
    # source and date, it told a copy of the disk which public report is about which incident.
    # Found again by incident_token (fingerprints.incident_token), a keyed token no copy of
    # the disk can compute. `legacy_reference` is the reference as kept in clear before,
    # until the row is written again or `aegis monitoring key-fingerprints` seals it.
    incident_sealed = EncryptedTextField()
    incident_token = models.CharField(max_length=32, blank=True, editable=False)
    legacy_reference = models.CharField(max_length=20, blank=True, editable=False)
    # A merge waits for a caseworker of the incident's compartment to add the article as a
    # source (the analyst holds no key of the incident).
    source_added = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-confidence", "-pk"]
        indexes = [
            models.Index(fields=["status", "-confidence", "-id"], name="monitoring_queue_order"),
            # The caseworkers' merged articles are found by their incidents' tokens.
            models.Index(fields=["incident_token"], name="monitoring_by_incident_token"),
            # The merged articles waiting for a caseworker, in the order their page lists
            # them, apart from the ever longer list of those already added. Partial, since
            # SQLite's `NOT source_added` bounds no index column; the status first, so that
            # its planner, with no statistics, prefers it to monitoring_queue_order.
            models.Index(
                fields=["status", "decided_at", "id"],
                condition=models.Q(status="merged", source_added=False),
                name="monitoring_merged_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk}"

    @property
    def incident_reference(self) -> str:
        """The incident's reference (the record's key opened), or the one kept in clear
        before it was sealed."""
        return self.legacy_reference or str(self.incident_sealed or "")

    @incident_reference.setter
    def incident_reference(self, reference: str) -> None:
        """Seal the reference and set its token; the key context must hold the fingerprint
        key (every analyst and caseworker does), else NoKeyAccess."""
        from .fingerprints import incident_token  # fingerprints reads these models

        self.incident_sealed = reference
        self.incident_token = incident_token(reference) if reference else ""
        self.legacy_reference = ""


class Campaign(models.Model):
    """A smear campaign against a defender or an organisation. The target's name is
    ciphertext; its blind index (when the writer holds the search key) lets a new item about
    the target be recognised without a name list in clear."""

    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(max_length=12, choices=TargetKind.choices)
    target_name = EncryptedTextField(pad=NAME_PADDED)
    target_index = models.CharField(max_length=32, blank=True, db_index=True)
    # Whether target_index is in its own domain (mentions.target_token), or still the name's
    # blind index, as saved before: that one joins a person's row on a copy of the disk, and
    # the worker's housekeeping turns it into the other (mentions.tokenise_targets).
    target_tokenised = models.BooleanField(default=False, editable=False)
    narratives = models.JSONField(default=list)  # codes of vocabulary.Narrative
    platforms = models.JSONField(default=list)
    methods = models.JSONField(default=list)
    first_seen = models.DateField()
    # Big: a viral campaign's estimated reach passes 2**31 (campaigns.MAX_REACH).
    reach = models.PositiveBigIntegerField(default=0, help_text="People reached, as estimated.")
    attribution = EncryptedTextField(pad=NAME_PADDED)
    attribution_confidence = models.CharField(
        max_length=8, choices=Confidence.choices, default=Confidence.LOW
    )
    notes = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The one-time token of the form that recorded it (forms.OnceForm), random: the same form
    # sent twice (a double click, a resend after a slow answer) records one campaign.
    form_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-first_seen", "-pk"]
        indexes = [models.Index(fields=["-first_seen", "-id"], name="monitoring_campaign_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["form_token"],
                condition=~models.Q(form_token=""),
                name="monitoring_campaign_once",
            )
        ]

    def __str__(self) -> str:
        return f"campaign {self.pk}"

    # The codes' labels in the reader's language, for the pages.
    @property
    def narrative_names(self) -> list[str]:
        return [str(Narrative(c).label) for c in self.narratives if c in Narrative.values]

    @property
    def platform_names(self) -> list[str]:
        return [str(Platform(c).label) for c in self.platforms if c in Platform.values]

    @property
    def method_names(self) -> list[str]:
        return [str(Method(c).label) for c in self.methods if c in Method.values]


class CampaignItem(models.Model):
    """An article or a post that is part of a campaign (a source of the campaign)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    platform = models.CharField(max_length=12, choices=Platform.choices, default=Platform.NEWS)
    url = EncryptedTextField(pad=LINE_PADDED)  # a public post's, as the article's
    description = EncryptedTextField(pad=LINE_PADDED)  # often the article's headline
    seen_on = models.DateField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    # As Campaign's: the same form sent twice attaches one item; an item a check of the news
    # adds has its story's token (mentions.campaign_story_token), so it joins once.
    form_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-seen_on", "-pk"]
        # A campaign's items in its page's order: a busy campaign's are not all read and sorted.
        indexes = [
            models.Index(fields=["campaign", "-seen_on", "-id"], name="monitoring_item_order")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["form_token"],
                condition=~models.Q(form_token=""),
                name="monitoring_campaignitem_once",
            )
        ]

    def __str__(self) -> str:
        return f"item {self.pk} of campaign {self.campaign_id}"


class Mention(models.Model):
    """A monitored article names a person on file (found through the blind index). Which
    person is kept only as a token under the search key (mentions.story_token), and which
    alert it raised likewise (alert_token), with the day it was found: no column a copy of
    the disk could join to the person, their alert or the hour of either."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    story_token = models.CharField(max_length=32)
    alert_token = models.CharField(max_length=32, blank=True, db_index=True)
    found_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "story_token"], name="monitoring_mention_once_each"
            )
        ]
        indexes = [models.Index(fields=["story_token"], name="monitoring_mention_story")]

    def __str__(self) -> str:
        return f"mention in article {self.article_id}"


class KeyHolder(models.Model):
    """A keypair found to hold every live monitoring key, so that opening the queue or the
    campaigns need not count every key's wraps again to learn that nobody waits
    (keys.pass_on): that count grows with the articles. A mark is confirmed once, after
    keys.SETTLE_AFTER, because a key sealed to the role's holders just before the person was
    given the role, and written just after the mark, would otherwise stay missing. A role that
    no longer reads monitoring takes the mark away with the wraps (keys.take_back), and so
    does reactivating the account: keys made while it was inactive were sealed without it."""

    keypair = models.OneToOneField("vault.Keypair", on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField()
    confirmed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"monitoring keys held by keypair {self.keypair_id}"
