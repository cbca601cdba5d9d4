"""Risk assessments of a case's subject (a person, a group or an organisation): threats worked
through the five-step analysis, vulnerabilities and capacities rated from a checklist, the
result, the chosen responses, and the organisation's risk settings.

An assessment is never edited: a new reading is a new row, so the history stays as it was.
Its narratives use the case's data key (child rows of a case reuse its key); the level,
parts, dates and perpetrator type are coded values in clear (the analytic projection)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from aegis.incidents.vocabulary import PerpetratorType
from aegis.vault.fields import NAME_PADDED, EncryptedTextField

from .vocabulary import LEVEL_RANK, Amplifier, Category, ChecklistKind, Level, Strategy

ONE_TO_FIVE = Q(rating__gte=1) & Q(rating__lte=5)


def level_rank(field: str) -> models.Case:
    """The rank of the level in `field` (higher is worse; NULL for none), in SQL."""
    return models.Case(
        *(models.When(**{field: level}, then=models.Value(n)) for level, n in LEVEL_RANK.items()),
        output_field=models.IntegerField(),
    )


# A current assessment whose level is above the one before it (the dashboard's "rose
# recently"), in the words the dashboard's query uses, so its index's condition matches.
ROSE = Q(is_current=True) & Q(rank__gt=level_rank("previous_level"))


class RiskSettings(models.Model):
    """The organisation's settings (one row, pk 1): level thresholds, review intervals and
    the pattern window. Changing them does not change assessments already made."""

    moderate_from = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(5))
    high_from = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(20))
    critical_from = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(50))
    review_days_low = models.PositiveSmallIntegerField(default=180)
    review_days_moderate = models.PositiveSmallIntegerField(default=90)
    review_days_high = models.PositiveSmallIntegerField(default=30)
    review_days_critical = models.PositiveSmallIntegerField(default=7)
    pattern_window_days = models.PositiveSmallIntegerField(default=30)
    pattern_min_count = models.PositiveSmallIntegerField(default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "risk settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(moderate_from__gt=0)
                & Q(high_from__gt=F("moderate_from"))
                & Q(critical_from__gt=F("high_from")),
                name="risk_thresholds_rise",
            ),
            models.CheckConstraint(
                condition=Q(review_days_low__gte=1)
                & Q(review_days_moderate__gte=1)
                & Q(review_days_high__gte=1)
                & Q(review_days_critical__gte=1)
                & Q(pattern_window_days__gte=1)
                & Q(pattern_min_count__gte=2),
                name="risk_settings_positive",
            ),
        ]

    def __str__(self) -> str:
        return "risk settings"

    @property
    def review_days(self) -> dict[str, int]:
        return {
            Level.LOW: self.review_days_low,
            Level.MODERATE: self.review_days_moderate,
            Level.HIGH: self.review_days_high,
            Level.CRITICAL: self.review_days_critical,
        }


class ChecklistItem(models.Model):
    """One vulnerability or capacity that assessments rate. Items are deactivated, never
    deleted, so old assessments keep their labels."""

    kind = models.CharField(max_length=16, choices=ChecklistKind.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    amplifier = models.CharField(max_length=12, choices=Amplifier.choices, blank=True, default="")
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "category", "position", "pk"]

    def __str__(self) -> str:
        return self.label


class Assessment(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="risk_assessments"
    )
    compartment = models.ForeignKey("cases.Compartment", on_delete=models.PROTECT, related_name="+")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="1 for the case's first assessment, then 2…")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = EncryptedTextField()
    imminent = models.BooleanField(default=False)
    threat_score = models.DecimalField(max_digits=5, decimal_places=2)
    vulnerability_score = models.DecimalField(max_digits=4, decimal_places=2)
    capacity_score = models.DecimalField(max_digits=4, decimal_places=2)
    score = models.DecimalField(max_digits=6, decimal_places=2)
    level = models.CharField(max_length=10, choices=Level.choices)
    level_by_numbers = models.CharField(max_length=10, choices=Level.choices)
    acceptable_level = models.CharField(max_length=10, choices=Level.choices, default=Level.LOW)
    next_review_on = models.DateField()
    # When it was recorded, compared with the incidents' recording and update times.
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept up to date by the risk services as assessments are made and incidents change, so
    # the dashboard reads them through an index instead of working them out per assessment:
    # the case's latest assessment; its level's rank (higher is worse); the level of the
    # assessment before it ("" for a case's first); and whether an incident linked to the
    # case or its person was recorded or changed after it.
    is_current = models.BooleanField(default=False)
    rank = models.PositiveSmallIntegerField(default=0)
    previous_level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    new_incident = models.BooleanField(default=False)

    class Meta:
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="risk_one_number_per_case"),
        ]
        indexes = [
            models.Index(fields=["compartment", "level"]),
            models.Index(fields=["next_review_on"]),
            models.Index(
                fields=["-rank", "next_review_on", "id"],
                condition=models.Q(is_current=True),
                name="risk_current_by_rank",
            ),
            models.Index(
                fields=["next_review_on", "id"],
                condition=models.Q(is_current=True),
                name="risk_current_by_review",
            ),
            # Current assessments, latest first.
            models.Index(
                fields=["-assessed_on", "id"],
                condition=models.Q(is_current=True),
                name="risk_current_by_date",
            ),
            # The dashboard's "rose recently": only those that rose, latest first, so the
            # list reads the few that rose, not every assessment of the last days.
            models.Index(fields=["-assessed_on", "id"], condition=ROSE, name="risk_rose_by_date"),
            models.Index(
                fields=["compartment", "level"],
                condition=models.Q(is_current=True),
                name="risk_current_by_level",
            ),
            models.Index(
                fields=["case"], condition=models.Q(is_current=True), name="risk_current_of_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number}"


class Threat(models.Model):
    """One threat, through the five steps: the facts; the pattern over time; the objective;
    who is behind it; whether it can be carried out."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="threats")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    title = EncryptedTextField()
    facts = EncryptedTextField()
    pattern = EncryptedTextField()
    objective = EncryptedTextField()
    perpetrator_type = models.CharField(
        max_length=24, choices=PerpetratorType.choices, default=PerpetratorType.UNKNOWN
    )
    perpetrator_identity = EncryptedTextField(pad=NAME_PADDED)
    feasibility = EncryptedTextField()
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="+")

    class Meta:
        ordering = ["assessment", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1)
                & Q(likelihood__lte=5)
                & Q(impact__gte=1)
                & Q(impact__lte=5),
                name="risk_threat_ratings_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"threat {self.pk} of {self.assessment_id}"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class Rating(models.Model):
    """A vulnerability or capacity of the checklist, rated 1 to 5 for this assessment. The
    kind is copied, so the computation shown never changes if the item is edited later."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ChecklistKind.choices)
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField()
    note = EncryptedTextField()

    class Meta:
        ordering = ["assessment", "kind", "item__category", "item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="risk_item_once"),
            models.CheckConstraint(condition=ONE_TO_FIVE, name="risk_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.rating} in {self.assessment_id}"


class Response(models.Model):
    """A chosen response to the risk, with its measure, owner and due date."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT, related_name="+")
    strategy = models.CharField(max_length=8, choices=Strategy.choices)
    measure = EncryptedTextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.strategy} in {self.assessment_id}"


class LevelCount(models.Model):
    """How many cases of a compartment, place and sector have their current assessment at
    each level, and how many open ones have none yet (level ""). Kept by the risk services
    and receivers as assessments are made and cases change (level_counts.py), so the
    dashboard and the analyst view read a handful of counts instead of counting every case
    and assessment in scope."""

    compartment = models.ForeignKey("cases.Compartment", on_delete=models.CASCADE, related_name="+")
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    sector = models.CharField(max_length=24, blank=True)
    level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["compartment", "level", "country", "region", "sector"],
                name="risk_one_count_per_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compartment_id} {self.country}/{self.region}/{self.sector} {self.level}"


class FindingsVersion(models.Model):
    """One row (pk 1) whose number goes up, in the writer's transaction, whenever something
    a finding is made of changes (an incident or its parts, a link to a case, a case or a
    person): a snapshot made at an older number is out of date (findings_snapshots.py)."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"findings v{self.version}"


class FindingsSnapshot(models.Model):
    """The open findings of one scope (a set of compartments, or the whole organisation), as
    computed on `day` with these settings at `version`: read instead of the findings query
    until something changes, so a page shows its findings for the cost of one row."""

    scope = models.CharField(max_length=64, unique=True)
    version = models.BigIntegerField()
    day = models.DateField()
    window_days = models.IntegerField()
    min_count = models.IntegerField()
    findings = models.JSONField()

    def __str__(self) -> str:
        return f"{self.scope} {self.day} v{self.version}"
