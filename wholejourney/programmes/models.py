"""Work with communities: prevention, capacity building, awareness, alumni. The people here are
mostly not clients; they are recorded with the least identifying data that works."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Client, Sex
from wholejourney.core.base_model import BaseModel
from wholejourney.core.correctable import Versioned, Voidable
from wholejourney.core.fields import EncryptedCharField, EncryptedModel, EncryptedTextField
from wholejourney.core.models import Office
from wholejourney.partners.models import Organisation


class ParticipantGroup(models.TextChoices):
    CBG_LEADERS = "cbg_leaders", _("Community-based group leader")
    CHURCH_LEADERS = "church_leaders", _("Church leader")
    LOCAL_DUTY_BEARERS = "local_duty_bearers", _("Local duty bearer")
    YOUTH_AND_CHILDREN_COUNCIL = "youth_and_children_council", _("Youth group or children's council member")
    TEACHERS = "teachers", _("Teacher")
    NGO_STAFF = "ngo_staff", _("NGO staff")
    GOVERNMENT_OFFICERS = "government_officers", _("Government officer")
    FORMER_CLIENTS = "former_clients", _("Former client")
    CAREGIVERS = "caregivers", _("Caregiver")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_12 = "0-11", _("Under 12")
    TEEN = "12-17", _("12 to 17")
    YOUNG_ADULT = "18-24", _("18 to 24")
    ADULT = "25-59", _("25 to 59")
    OLDER = "60+", _("60 or over")
    UNKNOWN = "", _("Not known")


class Participant(Versioned, EncryptedModel):
    """Someone who takes part in a training, meeting or event. The name is optional."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    name = EncryptedCharField(_("name"), max_length=120, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices, blank=True)
    province = models.CharField(_("province"), max_length=80, blank=True)
    commune = models.CharField(_("commune"), max_length=80, blank=True)
    village = models.CharField(_("village"), max_length=80, blank=True)
    group = models.CharField(_("participant group"), max_length=32, choices=ParticipantGroup.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("organisation")
    )
    # Only staff who may see the client can make this link (programmes.services).
    client = models.ForeignKey(Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The organisation's own reference (an attendance sheet's row key), so uploads can be re-run.
    external_ref = models.CharField(max_length=64, blank=True)

    class Privacy:
        identifying = ["name", "phone"]
        plain = [
            "id", "row_id", "office", "sex", "age_band", "province", "commune", "village", "group", "organisation",
            "client", "external_ref",
        ]  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "external_ref"], condition=~Q(external_ref=""), name="participant_unique_ref"
            )
        ]

    def __str__(self) -> str:
        return f"participant {self.pk}"


class CommunityGroup(BaseModel):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    province = models.CharField(_("province"), max_length=80)
    district = models.CharField(_("district"), max_length=80, blank=True)
    commune = models.CharField(_("commune"), max_length=80, blank=True)
    village = models.CharField(_("village"), max_length=80, blank=True)
    leaders = models.ManyToManyField(Participant, blank=True, related_name="leads")

    class Privacy:
        plain = ["id", "office", "name", "province", "district", "commune", "village", "leaders"]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupStatusPeriod(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="statuses")
    status = models.CharField(max_length=16, choices=Status.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    class Privacy:
        plain = ["id", "group", "status", "start", "end"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="group_status_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.status} from {self.start}"


class PlanTopic(models.TextChoices):
    CHILD_PROTECTION = "child_protection", _("Child protection")
    HUMAN_TRAFFICKING = "human_trafficking", _("Human trafficking")
    SAFE_MIGRATION = "safe_migration", _("Safe migration")
    GBV = "gbv", _("Gender-based violence")
    ENVIRONMENT = "environment", _("Environmental protection")
    CLIMATE = "climate", _("Climate change")


class GroupPlanAction(BaseModel):
    """One action of a group's plan for a year."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="plan_actions")
    year = models.PositiveSmallIntegerField(_("plan year"))
    topic = models.CharField(_("topic"), max_length=24, choices=PlanTopic.choices)
    planned_on = models.DateField(_("planned for"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Privacy:
        plain = ["id", "group", "year", "topic", "planned_on", "completed_on"]

    def __str__(self) -> str:
        return f"{self.topic} {self.year}"


class HusbandWifeGroup(BaseModel):
    """A couple in the good husband-wife programme, known by a label, not by name."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("label"), max_length=40)
    village = models.CharField(_("village"), max_length=80, blank=True)

    class Privacy:
        plain = ["id", "office", "label", "village"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "label"], name="hw_group_unique_label")]

    def __str__(self) -> str:
        return self.label


class ActivityKind(models.TextChoices):
    PREVENTION_TRAINING = "prevention_training", _("Prevention training")
    REFLECTION_MEETING = "reflection_meeting", _("Husband-wife reflection meeting")
    TIC_PFA_TRAINING = "tic_pfa_training", _("Trauma-Informed Care / Psychological First Aid training")
    NATIONAL_CONSULTATION = "national_consultation", _("National consultation workshop")
    REFLECTION_WORKSHOP = "reflection_workshop", _("Annual reflection workshop")
    ALUMNI_EVENT = "alumni_event", _("Alumni event")
    ALUMNI_BUSINESS_TRAINING = "alumni_business_training", _("Alumni business training")


class TrainingTopic(models.TextChoices):
    CHILD_PROTECTION = "child_protection", _("Child protection")
    HUMAN_TRAFFICKING = "human_trafficking", _("Human trafficking")
    SAFE_MIGRATION = "safe_migration", _("Safe migration")
    GBV = "gbv", _("Gender-based violence")
    POSITIVE_PARENTING = "positive_parenting", _("Positive parenting")
    VICTIM_IDENTIFICATION = "victim_identification", _("Victim identification")
    TIC_PFA = "tic_pfa", _("Trauma-Informed Care and Psychological First Aid")
    OTHER = "other", _("Other")


class Activity(Voidable):
    """A training, meeting, workshop or event that people attend."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=ActivityKind.choices)
    topic = models.CharField(_("topic"), max_length=32, choices=TrainingTopic.choices, blank=True)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    participants = models.ManyToManyField(Participant, through="Attendance", related_name="activities")
    hw_groups = models.ManyToManyField(HusbandWifeGroup, blank=True, related_name="meetings")
    # The organisation's own reference, so an upload of the same sheet finds the same activity.
    external_ref = models.CharField(max_length=64, blank=True)

    class Privacy:
        plain = [
            "id",
            "office",
            "kind",
            "topic",
            "held_on",
            "place",
            "facilitator",
            "participants",
            "hw_groups",
            "external_ref",
        ]

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["office", "kind", "held_on"], name="activity_office_kind_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class Attendance(Voidable):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="attendances")
    pre_test = models.DecimalField(_("pre-test score"), max_digits=5, decimal_places=1, null=True, blank=True)
    post_test = models.DecimalField(_("post-test score"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Privacy:
        plain = ["id", "activity", "participant", "pre_test", "post_test"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "participant"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.participant_id} at {self.activity_id}"


class Campaign(Voidable):
    """A campaign reaches people without registering them: reach is counted."""

    class Kind(models.TextChoices):
        AWARENESS = "awareness", _("Community awareness campaign")
        EDUCATION = "education", _("Education campaign by a student council")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    adults_female = models.PositiveIntegerField(_("women reached"), default=0)
    adults_male = models.PositiveIntegerField(_("men reached"), default=0)
    children_female = models.PositiveIntegerField(_("girls reached"), default=0)
    children_male = models.PositiveIntegerField(_("boys reached"), default=0)

    class Privacy:
        plain = [
            "id",
            "office",
            "kind",
            "topics",
            "held_on",
            "place",
            "adults_female",
            "adults_male",
            "children_female",
            "children_male",
        ]

    def __str__(self) -> str:
        return f"{self.kind} campaign {self.held_on}"


class ExternalMeeting(Voidable, EncryptedModel):
    class Kind(models.TextChoices):
        PROVINCIAL_NETWORK = "provincial_network", _("Provincial network meeting")
        DISTRICT_COMMUNE = "district_commune", _("District or commune reflection meeting")
        NGO_NETWORK = "ngo_network", _("NGO/CSO network meeting")
        OTHER = "other", _("Other")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    attended_by = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notes = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        # Notes of a meeting about cases can point at a survivor.
        sensitive = ["notes"]
        plain = ["id", "row_id", "office", "kind", "held_on", "attended_by"]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class Donation(Voidable):
    class Item(models.TextChoices):
        BOOKS = "books", _("Books")
        MATERIALS = "materials", _("Materials")
        OTHER = "other", _("Other")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    copies = models.PositiveIntegerField(_("copies"))
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, verbose_name=_("recipient"))
    donated_on = models.DateField(_("date"))

    class Privacy:
        plain = ["id", "office", "item", "description", "copies", "recipient", "donated_on"]

    def __str__(self) -> str:
        return f"{self.copies} {self.item} to {self.recipient_id}"


class PublicEvent(Voidable):
    class Kind(models.TextChoices):
        MENTAL_HEALTH_DAY = "mental_health_day", _("World Mental Health Day")
        OTHER = "other", _("Other")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    held_on = models.DateField(_("date"))
    reported_attendance = models.PositiveIntegerField(_("reported attendance"))

    class Privacy:
        plain = ["id", "office", "kind", "name", "held_on", "reported_attendance"]

    def __str__(self) -> str:
        return self.name
