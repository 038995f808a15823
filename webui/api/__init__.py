"""The REST API under ``/api/``: JSON envelopes, one shape for every answer."""
