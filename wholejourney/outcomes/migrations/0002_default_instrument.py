"""Install the default four-domain instrument (outcomes/instruments.py)."""

from django.db import migrations

from wholejourney.outcomes.instruments import DEFAULT_KEY, install_default_instrument


def create(apps, schema_editor):
    install_default_instrument(apps.get_model("outcomes", "Instrument"), apps.get_model("outcomes", "InstrumentItem"))


def remove(apps, schema_editor):
    apps.get_model("outcomes", "Instrument").objects.filter(key=DEFAULT_KEY, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
