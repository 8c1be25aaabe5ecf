"""roughatlas pricing service (FastAPI): see service/README.md."""
