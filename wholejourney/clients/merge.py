"""Merging two records of one person: `client_merge` moves everything of one record to the other.

What moves is found from the model, not from a list: every relation to `Client`
(`Client._meta` with hidden ones — cases, referrals, placements, care plans, services, attendance,
assessments, crises, surveys, consents, break-the-glass grants, duplicate signals, programme
participants…), so a new kind of record moves without touching this module. Each moved record
encrypted under the merged client's data key is read first and written again under the kept
client's key, and so is every record below it that is encrypted under that key (a care plan's
goals, a case's closure requests, a legal case's milestones, a consent's story), found the same
way. Only then is the merged client's key destroyed: whatever is left under it — its names, its
reason for registration — is unreadable for good, in the database and in every backup.

What does not move:
- derived state, rebuilt for the kept record instead (`REBUILT`: the search tokens, the stability
  clock's state and runs);
- the records about the two records themselves (`ABOUT_THE_RECORDS`: earlier merges, "not the same
  person" decisions — those of the merged record are carried over to the kept one).

Two rows that may exist only once per client (attendance of one group session by both records):
the kept record's row stays, the merged one's text is added to it, and the merged row is deleted.

A merge is refused, with what to do, when the two records disagree where one person cannot: two
cases open at once (close one first: a person has one open case), or placements over the same days
(a person lives in one place at a time). Cases one after the other, or closed ones that overlapped
in the past, are kept both.

The merged record stays as a row (so past audit events and exports still name its code) marked
erased, with a `ClientMerge` row that leads its code and address to the kept record.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.matching import client_tokens
from wholejourney.clients.models import Client, ClientLookup, ClientMerge, NotDuplicate
from wholejourney.core import crypto
from wholejourney.core.blind_index import normalise_name
from wholejourney.core.dates import shown
from wholejourney.core.fields import Ciphertext, EncryptedFieldMixin, EncryptedModel

# Derived from the other records and rebuilt for the kept client; the merged client's are deleted.
REBUILT = {"clients.clientlookup", "outcomes.clockstate", "outcomes.clockrun"}
# About the two records rather than the person: handled by the merge itself.
ABOUT_THE_RECORDS = {"clients.clientmerge", "clients.notduplicate"}
# Who may merge: the office's director (the role that approves closures; accounts/roles.py).
MERGE_PERMISSION = Permission.APPROVE_CLOSURE


def may_merge(user: Any, client: Client) -> bool:
    return has_permission(user, MERGE_PERMISSION, obj=client)


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    """The relations of other rows to `model`'s (foreign keys and one-to-one fields pointing at it)."""
    return [
        relation
        for relation in model._meta.get_fields(include_hidden=True)
        if isinstance(relation, ForeignObjectRel) and relation.related_model is not None
    ]


def client_relations() -> list[Any]:
    """Every relation from another model to `Client` whose rows move in a merge."""
    found = []
    for relation in _reverse_relations(Client):
        if relation.related_model is Client:
            continue
        label = relation.related_model._meta.label_lower
        if label in REBUILT or label in ABOUT_THE_RECORDS:
            continue
        found.append(relation)
    return found


def _rows(relation: Any, client: Client) -> models.QuerySet[Any]:
    return relation.related_model._base_manager.filter(**{relation.field.name: client})


def merge_problems(keep: Client, merged: Client) -> list[str]:
    """Why these two records cannot be merged as they are (empty: they can). Also for the pair page."""
    problems = []
    if keep.pk == merged.pk:
        problems.append(_("A record cannot be merged with itself."))
    if keep.office_id != merged.office_id:
        problems.append(_("Only records of one office can be merged."))
    if keep.erased_at or merged.erased_at:
        problems.append(_("An erased or merged record cannot be merged."))
    if problems:
        return problems
    case = apps.get_model("cases", "Case")
    open_cases = case.objects.filter(client__in=[keep, merged]).exclude(status="closed")
    if len({row.client_id for row in open_cases}) > 1:
        problems.append(
            _(
                "Both records have an open case, and a person has one open case at a time. Close the case of "
                "the record that will not be kept first (its services stay with the person)."
            )
        )
    placement = apps.get_model("cases", "Placement")
    for mine in placement.objects.filter(client=merged):
        other = (
            placement.objects.filter(client=keep, start__lt=mine.end or timezone.localdate().max)
            .exclude(end__lte=mine.start)
            .first()
        )
        if other is not None:
            problems.append(
                _(
                    "The two records have placements over the same days (%(start)s to %(end)s and %(other_start)s "
                    "to %(other_end)s): a person lives in one place at a time. Correct the placements first."
                )
                % {
                    "start": shown(mine.start),
                    "end": shown(mine.end) if mine.end else _("now"),
                    "other_start": shown(other.start),
                    "other_end": shown(other.end) if other.end else _("now"),
                }
            )
            break
    return problems


def _under_key(instance: models.Model, key_id: str) -> list[EncryptedFieldMixin]:
    """The encrypted fields of a loaded row whose stored value is under the data key `key_id`."""
    found = []
    for model_field in instance._meta.concrete_fields:
        if isinstance(model_field, EncryptedFieldMixin):
            stored = instance.__dict__.get(model_field.attname)
            if isinstance(stored, Ciphertext) and crypto.parse(stored)[:2] == ("d", key_id):
                found.append(model_field)
    return found


def _unseal(instance: models.Model, fields: list[EncryptedFieldMixin]) -> None:
    """Read the values while the old key still applies, and forget their ciphertext, so the next
    save encrypts them under the row's key as it is then."""
    for model_field in fields:
        getattr(instance, model_field.attname)
        instance.__dict__.pop(model_field.sealed_attname, None)


def _below(rows: list[models.Model], seen: set[tuple[str, Any]]) -> list[models.Model]:
    """The encrypted records that belong to these rows, and theirs in turn (a care plan's goals)."""
    found: list[models.Model] = []
    by_model: dict[type[models.Model], list[Any]] = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row.pk)
    for model, pks in by_model.items():
        for relation in _reverse_relations(model):
            child = relation.related_model
            if not (isinstance(child, type) and issubclass(child, EncryptedModel)) or child is Client:
                continue
            for row in child._base_manager.filter(**{f"{relation.field.name}__in": pks}):
                key = (child._meta.label_lower, row.pk)
                if key not in seen:
                    seen.add(key)
                    found.append(row)
    return found + (_below(found, seen) if found else [])


def _unique_sets(model: type[models.Model], field_name: str) -> list[tuple[str, ...]]:
    """The other fields of each rule "once per client and …" of the model (() for one per client)."""
    sets: list[tuple[str, ...]] = []
    for constraint in model._meta.constraints:
        fields = tuple(getattr(constraint, "fields", ()) or ())
        if isinstance(constraint, models.UniqueConstraint) and field_name in fields and constraint.condition is None:
            sets.append(tuple(name for name in fields if name != field_name))
    for together in model._meta.unique_together:
        if field_name in together:
            sets.append(tuple(name for name in together if name != field_name))
    if getattr(model._meta.get_field(field_name), "unique", False):
        sets.append(())
    return sets


def _join_into(kept_row: models.Model, merged_row: models.Model) -> list[str]:
    """One row of the two stays: the kept record's, with the merged row's texts added where they
    differ. Returns the fields that changed."""
    changed = []
    for model_field in kept_row._meta.concrete_fields:
        if not isinstance(model_field, models.TextField | EncryptedFieldMixin) or model_field.name == "row_id":
            continue
        ours, theirs = getattr(kept_row, model_field.attname), getattr(merged_row, model_field.attname)
        if isinstance(theirs, str) and theirs.strip() and theirs != ours:
            setattr(kept_row, model_field.attname, f"{ours}\n\n{theirs}" if ours else theirs)
            changed.append(model_field.attname)
    return changed


def names_of(client: Client) -> list[str]:
    """The client's names as staff write them: in Khmer script, in Latin script, then the other names."""
    names = [
        " ".join(part for part in (family, given) if part)
        for family, given in (
            (client.family_name_km, client.given_name_km),
            (client.family_name_latin, client.given_name_latin),
        )
    ] + [alias for alias in client.aliases or [] if isinstance(alias, str)]
    return [name for name in names if name.strip()]


def _merged_identity(keep: Client, merged: Client) -> list[str]:
    """Give `keep` what `merged` knows of the person and `keep` does not: names it lacks (as other
    names when it has its own), phone and ID numbers, and facts it left empty. Returns the fields changed."""
    changed: set[str] = set()
    for given, family in (("given_name_km", "family_name_km"), ("given_name_latin", "family_name_latin")):
        if (
            not getattr(keep, given)
            and not getattr(keep, family)
            and (getattr(merged, given) or getattr(merged, family))
        ):
            setattr(keep, given, getattr(merged, given))
            setattr(keep, family, getattr(merged, family))
            changed |= {given, family}
    known = {
        normalise_name(f"{family or ''} {given or ''}")
        for given, family in (
            (keep.given_name_km, keep.family_name_km),
            (keep.given_name_latin, keep.family_name_latin),
            (keep.family_name_km, keep.given_name_km),
            (keep.family_name_latin, keep.given_name_latin),
        )
    } | {normalise_name(alias) for alias in keep.aliases or [] if isinstance(alias, str)}
    aliases = list(keep.aliases or [])
    for name in names_of(merged):
        if name.strip() and normalise_name(name) not in known:
            known.add(normalise_name(name))
            aliases.append(name.strip())
    if aliases != list(keep.aliases or []):
        keep.aliases = aliases
        changed.add("aliases")
    phones = list(keep.phone_numbers or [])
    phones += [number for number in merged.phone_numbers or [] if number not in phones]
    if phones != list(keep.phone_numbers or []):
        keep.phone_numbers = phones
        changed.add("phone_numbers")
    documents = list(keep.id_documents or [])
    numbers = {str(doc.get("number", "")) for doc in documents if isinstance(doc, dict)}
    documents += [
        doc for doc in merged.id_documents or [] if isinstance(doc, dict) and str(doc.get("number", "")) not in numbers
    ]
    if documents != list(keep.id_documents or []):
        keep.id_documents = documents
        changed.add("id_documents")
    if keep.date_of_birth is None and merged.date_of_birth is not None:
        keep.date_of_birth, keep.birth_year, keep.birth_year_estimated = (
            merged.date_of_birth,
            merged.date_of_birth.year,
            False,
        )
        changed |= {"date_of_birth", "birth_year"}
    elif keep.birth_year is None and merged.birth_year is not None:
        keep.birth_year, keep.birth_year_estimated = merged.birth_year, merged.birth_year_estimated
        changed.add("birth_year")
    blanks: dict[str, Any] = {"sex": "unknown", "gender": "NonSpecifiedUnknown"}
    for name in ("sex", "gender", "citizenship", "primary_language", "secondary_language", "address"):
        if getattr(keep, name) in (blanks.get(name), "", None, {}) and getattr(merged, name) not in (
            blanks.get(name),
            "",
            None,
            {},
        ):
            setattr(keep, name, getattr(merged, name))
            changed.add(name)
    return sorted(changed)


def client_merge(*, actor: User, keep: Client, merged: Client) -> ClientMerge:
    """Make `keep` the one record of the person recorded twice: move every record of `merged` to it
    (re-encrypted under its key), give it the names and numbers it lacks, rebuild its search tokens
    and stability clock, then erase `merged` (its data key destroyed) leaving a pointer from its
    code to `keep`. The director of the office only; one transaction with its audit rows."""
    if not (may_merge(actor, keep) and may_merge(actor, merged)):
        raise PermissionDenied
    with transaction.atomic():
        # Lock both rows (in a fixed order): a second merge or an edit of either waits for this one.
        list(Client.objects.select_for_update().filter(pk__in=sorted({keep.pk, merged.pk})).order_by("pk"))
        keep = Client.objects.select_related("data_key").get(pk=keep.pk)
        merged = Client.objects.select_related("data_key").get(pk=merged.pk)
        problems = merge_problems(keep, merged)
        if problems:
            raise ValidationError(problems)
        old_key = str(merged.data_key.row_id)
        moved: Counter[str] = Counter()
        direct: list[tuple[models.Model, str, list[EncryptedFieldMixin]]] = []
        seen: set[tuple[str, Any]] = set()
        dropped: list[models.Model] = []
        for relation in client_relations():
            model, name = relation.related_model, relation.field.name
            unique_sets = _unique_sets(model, name)
            kept_rows = (
                {
                    tuple(getattr(row, other) for other in others): row
                    for others in unique_sets
                    for row in _rows(relation, keep)
                }
                if unique_sets
                else {}
            )
            for row in _rows(relation, merged):
                seen.add((model._meta.label_lower, row.pk))
                fields = _under_key(row, old_key)
                _unseal(row, fields)
                twin = next(
                    (kept_rows.get(tuple(getattr(row, o) for o in others)) for others in unique_sets
                     if tuple(getattr(row, o) for o in others) in kept_rows),
                    None,
                )  # fmt: skip
                if twin is not None:
                    joined = _join_into(twin, row)
                    if joined:
                        twin.save(update_fields=joined)
                    dropped.append(row)
                    continue
                direct.append((row, relation.field.attname, fields))
        below = _below([row for row, _name, _fields in direct] + dropped, seen)
        below_fields = [(row, _under_key(row, old_key)) for row in below]
        for row, fields in below_fields:
            _unseal(row, fields)
        # Read what the merged record knows of the person while its key still exists.
        changed_identity = _merged_identity(keep, merged)

        for row in dropped:
            try:
                with transaction.atomic():
                    row.delete()
            except models.ProtectedError as exc:
                raise ValidationError(_("Two records of one kind cannot be joined: correct them first.")) from exc
        for row, attname, fields in direct:
            setattr(row, attname, keep.pk)
            row._state.fields_cache.clear()
            try:
                with transaction.atomic():
                    row.save(update_fields=[attname, *(f.attname for f in fields)])
            except IntegrityError as exc:
                raise ValidationError(
                    _("%(records)s of the two records conflict: correct them first.")
                    % {"records": str(row._meta.verbose_name_plural).capitalize()}
                ) from exc
            moved[row._meta.label_lower] += 1
        for row, fields in below_fields:
            row._state.fields_cache.clear()
            if fields:
                row.save(update_fields=[f.attname for f in fields])
        _check_nothing_left(old_key, [row for row, _a, _f in direct] + below)

        for label in REBUILT:
            model = apps.get_model(label)
            model._base_manager.filter(client=merged).delete()
        _carry_decisions(keep, merged)

        keep.full_clean()
        keep.save()
        ClientLookup.objects.filter(client=keep).delete()
        ClientLookup.objects.bulk_create(
            [
                ClientLookup(client=keep, office_id=keep.office_id, kind=kind, digest=digest)
                for kind, digest in sorted(client_tokens(keep))
            ]
        )
        merged.data_key.destroy()
        merged.erased_at = timezone.now()
        merged.save(update_fields=["erased_at"])
        record = ClientMerge.objects.create(
            office_id=keep.office_id,
            kept=keep,
            merged=merged,
            kept_code=keep.code,
            merged_code=merged.code,
            merged_by=actor,
            moved=dict(sorted(moved.items())),
        )
        for row, _attname, _fields in direct:
            audit_record(
                actor=actor, action=AuditEvent.Action.CHANGE, target=row,
                changed_fields=["client", f"merged_into:{keep.code}"],
            )  # fmt: skip
        audit_record(
            actor=actor, action=AuditEvent.Action.CHANGE, target=keep,
            changed_fields=[f"merged_from:{merged.code}", *changed_identity,
                            *(f"moved:{label}:{count}" for label, count in sorted(moved.items()))],
        )  # fmt: skip
        audit_record(
            actor=actor, action=AuditEvent.Action.DELETE, target=merged,
            changed_fields=[f"merged_into:{keep.code}", "identity"],
        )  # fmt: skip
        _rebuild_derived(keep)
    return record


def _check_nothing_left(old_key: str, rows: list[models.Model]) -> None:
    """Every moved row is now under the kept key: destroying the old key must lose nothing."""
    for row in rows:
        for model_field in row._meta.concrete_fields:
            if isinstance(model_field, EncryptedFieldMixin):
                sealed = row.__dict__.get(model_field.sealed_attname)
                stored = sealed[0] if sealed else row.__dict__.get(model_field.attname)
                if isinstance(stored, str) and stored.startswith(f"{crypto.PREFIX}:d:{old_key}:"):
                    raise RuntimeError(f"{row._meta.label} {row.pk} is still under the merged record's key")


def _carry_decisions(keep: Client, merged: Client) -> None:
    """A decision "not the same person" about the merged record holds for the kept one."""
    decided = NotDuplicate.objects.filter(Q(client_a=merged) | Q(client_b=merged))
    for decision in decided:
        other = decision.client_b_id if decision.client_a_id == merged.pk else decision.client_a_id
        if other != keep.pk:
            low, high = sorted((keep.pk, other))
            NotDuplicate.objects.get_or_create(
                client_a_id=low,
                client_b_id=high,
                defaults={"decided_by_id": decision.decided_by_id, "decided_at": decision.decided_at},
            )
    decided.delete()


def _rebuild_derived(keep: Client) -> None:
    """The kept record's derived state from all its records now (the stability clock)."""
    from wholejourney.outcomes.services import clock_refresh  # outcomes builds on clients, not the reverse

    clock_refresh(keep)


def not_duplicate_record(*, actor: User, a: Client, b: Client) -> NotDuplicate:
    """The director has looked at two records and they are two people: the pair is not listed again."""
    if not (may_merge(actor, a) and may_merge(actor, b)) or a.pk == b.pk:
        raise PermissionDenied
    low, high = sorted((a, b), key=lambda client: client.pk)
    with transaction.atomic():
        decision, created = NotDuplicate.objects.get_or_create(
            client_a=low, client_b=high, defaults={"decided_by": actor, "decided_at": timezone.now()}
        )
        if created:
            for one, other in ((low, high), (high, low)):
                audit_record(
                    actor=actor, action=AuditEvent.Action.CHANGE, target=one,
                    changed_fields=[f"not_duplicate_of:{other.code}"],
                )  # fmt: skip
    return decision
