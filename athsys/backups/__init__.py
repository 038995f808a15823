"""Database backups: pg_dump to gzip files with a recorded checksum, restore, retention."""
