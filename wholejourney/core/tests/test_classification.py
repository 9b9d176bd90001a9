"""Every field of every model of ours is classified, and every identifying or sensitive one is encrypted."""

from __future__ import annotations

from django.apps import apps

from wholejourney.core.correctable import correction_fields
from wholejourney.core.fields import EncryptedFieldMixin

CLASSES = ("identifying", "sensitive", "plain")


def _our_models() -> list[type]:
    return [m for m in apps.get_models() if m.__module__.startswith("wholejourney.")]


def _fields(model: type) -> dict[str, object]:
    """The model's own fields: its columns and the many-to-many fields it declares (not reverse relations)."""
    meta = model._meta  # type: ignore[attr-defined]
    return {f.name: f for f in [*meta.concrete_fields, *meta.many_to_many]}


def test_every_field_of_every_model_is_classified_once() -> None:
    problems = []
    for model in _our_models():
        privacy = getattr(model, "Privacy", None)
        if privacy is None:
            problems.append(f"{model.__name__} has no Privacy class")
            continue
        declared = [name for cls in CLASSES for name in getattr(privacy, cls, [])] + correction_fields(model)
        fields = set(_fields(model))
        problems += [f"{model.__name__}.{n} is not classified" for n in sorted(fields - set(declared))]
        problems += [f"{model.__name__}.{n} is classified but is no field" for n in sorted(set(declared) - fields)]
        problems += [
            f"{model.__name__}.{n} is classified twice" for n in sorted({n for n in declared if declared.count(n) > 1})
        ]
    assert problems == []


def test_identifying_and_sensitive_fields_are_encrypted() -> None:
    unencrypted = [
        f"{model.__name__}.{name}"
        for model in _our_models()
        for cls in ("identifying", "sensitive")
        for name in getattr(getattr(model, "Privacy", None), cls, [])
        if not isinstance(_fields(model).get(name), EncryptedFieldMixin)
    ]
    assert unencrypted == []


def test_the_walk_sees_the_models_that_hold_survivors_data() -> None:
    labels = {m._meta.label for m in _our_models()}
    assert {"clients.Client", "clients.BreakGlassGrant", "core.DataKey", "audit.AuditEvent"} <= labels
