"""The demo: a synthetic organisation with offices, teams and one account per role.

This package may know the figures the demo must reproduce; product code may not.
"""
