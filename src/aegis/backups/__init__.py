"""Backups of a whole instance: the database and the blob store with a manifest, packed in a
tar and encrypted with age to the organisation's recovery key (and any extra recipients), so
that the people holding the offline recovery key can verify and restore one on a new machine.
The secrets folder and the alert service's unlock secret are never in one."""
