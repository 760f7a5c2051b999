"""Running work: executors (serial, local processes, Dask), the resumable task store, and blocks an interrupt waits for."""
