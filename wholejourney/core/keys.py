"""Key rotation: re-encrypt every value under an old master key with the active one.

Values under a client's data key need no re-encryption: the data key itself is stored encrypted
under the master key (DataKey.wrapped_key), so re-encrypting that one value moves the whole
client onto the new master key. Work goes in batches, each in its own transaction, and picks
only values not yet under the active key — so an interrupted rotation resumes where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from wholejourney.core import crypto
from wholejourney.core.fields import Ciphertext, EncryptedFieldMixin


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedFieldMixin]]]:
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            yield model, fields


def _stale(field: EncryptedFieldMixin, active: str) -> Q:
    """Values under a master key other than the active one (pattern lookups compare raw text)."""
    return Q(**{f"{field.attname}__startswith": f"{crypto.PREFIX}:k:"}) & ~Q(
        **{f"{field.attname}__startswith": f"{crypto.PREFIX}:k:{active}:"}
    )


def key_usage() -> Counter[str]:
    """How many stored values each key holds: master key ids, and "data keys" for the rest."""
    usage: Counter[str] = Counter()
    for model, fields in encrypted_fields():
        for field in fields:
            stored = model._default_manager.exclude(**{f"{field.attname}__isnull": True}).exclude(**{field.attname: ""})
            for token in stored.values_list(field.attname, flat=True):
                kind, key_id, _body = crypto.parse(str(token))
                usage[key_id if kind == "k" else "data keys"] += 1
    return usage


def reencrypt_stale(*, batch_size: int = 500, progress: Callable[[str, int, int], None] | None = None) -> int:
    """Move every value onto the active master key; returns how many values were re-encrypted."""
    active = crypto.load_keyring().active_master
    moved = 0
    for model, fields in encrypted_fields():
        manager = model._default_manager
        stale_any = Q()
        for field in fields:
            stale_any |= _stale(field, active)
        remaining = manager.filter(stale_any).count()
        done = 0
        while True:
            with transaction.atomic():
                batch = list(manager.select_for_update().filter(stale_any).order_by("pk")[:batch_size])
                if not batch:
                    break
                for instance in batch:
                    changes = {}
                    for field in fields:
                        token = instance.__dict__.get(field.attname)
                        if not isinstance(token, str) or token == "":
                            continue
                        kind, key_id, _body = crypto.parse(token)
                        if kind == "k" and key_id != active:
                            plain = field.decrypt_for(instance, token)
                            changes[field.attname] = Ciphertext(field.encrypt_for(instance, plain))
                    manager.filter(pk=instance.pk).update(**changes)
                    moved += len(changes)
                done += len(batch)
            if progress:
                progress(model._meta.label, done, remaining)
    return moved
