"""A FastAPI service on rapyer's async API (see README.md in this folder)."""
