"""Project package of the Django example: settings, URLs and the WSGI entry point."""
