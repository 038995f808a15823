"""Server-sent events of the live pages for a crowd: an asyncio fan-out process
(``athsys live-stream``)."""
