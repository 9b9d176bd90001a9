"""Every client gets the search tokens of clients/matching.py (parts of names, their sound, one
letter wrong) besides the full-name, phone and ID tokens they had."""

from django.db import migrations


def reindex(apps, schema_editor):
    # The app's own model, not the historical one: the names must be decrypted under each client's
    # data key, which only the real model knows how to find. Safe here, as no later migration of
    # this table exists when this one runs for the first time.
    from wholejourney.clients.services import client_reindex_all

    client_reindex_all()


class Migration(migrations.Migration):
    dependencies = [("clients", "0006_search")]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
