"""The web UI and REST API: Flask-AppBuilder on top of the ``athsys`` services."""
