"""Backups that can be restored: `wholejourney backup` and `wholejourney restore` (docs/security.md,
"Backing up"). `archive` is the encrypted file, `databases` each engine's copy and load, and
`operations` the two commands' work."""
