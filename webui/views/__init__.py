"""The Flask-AppBuilder admin: one module per area, all registered by :mod:`.registry`."""
