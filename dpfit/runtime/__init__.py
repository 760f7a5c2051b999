"""Running work: executors (serial, local processes, Dask) and the resumable task store."""
