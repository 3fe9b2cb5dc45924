"""The ASGI application that ``sos serve`` and any ASGI server load."""

from sos.app import create_app

app = create_app()
