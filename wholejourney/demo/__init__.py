"""The demo: a synthetic organisation with offices, teams and one account per role.

This package may know the figures the demo must reproduce; product code may not.
"""

# The demo is written in many short transactions, this many clients each: see office.build_demo_office.
CLIENTS_PER_TRANSACTION = 25
