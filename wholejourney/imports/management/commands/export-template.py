"""`wholejourney export-template`: the command's name as the documentation spells it (the module
export_template.py does the work)."""

from wholejourney.imports.management.commands.export_template import Command

__all__ = ["Command"]
