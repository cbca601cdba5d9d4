"""Files any area may take in and keep: the upload checks (`uploads`, `documents`), the
upload handler that keeps them off the disk (`handlers`), and the encrypted blob store
(`storage`). No models: each area records its own files and says under which key."""
