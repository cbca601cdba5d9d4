"""Open sources read by the worker, proposed incidents, smear campaigns."""
