"""The default four-domain assessment instrument, in English and Khmer (version 1).

Scale: 1 = in crisis, 2 = vulnerable, 3 = stable, 4 = thriving; a domain is stable at 3.0 or more.
An administrator can publish a new version; past assessments keep the version they were made with.
"""

from __future__ import annotations

from typing import Any

DEFAULT_KEY = "four-domain"
NAME_EN = "Four-domain wholeness assessment"
NAME_KM = "ការវាយតម្លៃភាពពេញលេញបួនវិស័យ"

ITEMS = [
    (
        "protection",
        "safe_place",
        "Lives in a safe place, free from the person who harmed them",
        "រស់នៅកន្លែងមានសុវត្ថិភាព ឆ្ងាយពីជនដែលបានធ្វើបាប",
    ),
    ("protection", "knows_rights", "Knows their rights and how to get help", "ដឹងពីសិទ្ធិរបស់ខ្លួន និងរបៀបស្វែងរកជំនួយ"),
    (
        "protection",
        "legal_status",
        "Has identity documents and legal matters in hand",
        "មានឯកសារអត្តសញ្ញាណ និងបញ្ហាផ្លូវច្បាប់ត្រូវបានដោះស្រាយ",
    ),
    ("wellbeing", "emotions", "Manages difficult feelings and memories", "អាចគ្រប់គ្រងអារម្មណ៍ និងការចងចាំដែលពិបាក"),
    ("wellbeing", "health", "Sleeps, eats and looks after their health", "គេង ញ៉ាំ និងថែរក្សាសុខភាពបានល្អ"),
    ("wellbeing", "hope", "Feels hope and worth for the future", "មានក្តីសង្ឃឹម និងតម្លៃខ្លួនសម្រាប់អនាគត"),
    ("economic", "income", "Has income or is in school or training", "មានប្រាក់ចំណូល ឬកំពុងសិក្សា ឬបណ្តុះបណ្តាល"),
    ("economic", "money", "Manages money and plans spending", "គ្រប់គ្រងលុយ និងរៀបចំផែនការចំណាយ"),
    ("economic", "skills", "Has skills for work", "មានជំនាញសម្រាប់ការងារ"),
    ("social", "family", "Has safe, supportive relationships with family", "មានទំនាក់ទំនងល្អ និងមានសុវត្ថិភាពជាមួយគ្រួសារ"),
    ("social", "community", "Takes part in community life", "ចូលរួមក្នុងជីវិតសហគមន៍"),
    ("social", "support", "Knows people to turn to when in need", "មានមនុស្សដែលអាចពឹងពាក់បានពេលត្រូវការ"),
]


def install_default_instrument(instrument_model: Any, item_model: Any) -> Any:
    """Create version 1 of the default instrument (models passed in, so a migration can use it)."""
    instrument = instrument_model.objects.create(key=DEFAULT_KEY, version=1, name_en=NAME_EN, name_km=NAME_KM)
    item_model.objects.bulk_create(
        item_model(instrument=instrument, domain=domain, code=code, text_en=en, text_km=km, position=n)
        for n, (domain, code, en, km) in enumerate(ITEMS)
    )
    return instrument
