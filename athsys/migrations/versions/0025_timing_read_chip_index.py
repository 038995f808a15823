"""A read's chip indexed alone, not with its time.

The recompute looks up every read of the chips it re-times, by chip and nothing else (the
point and the device are filtered after the lookup; nothing reads a chip's reads in time
order through the index). Keyed on (chip, read_at) every entry was unique, so the index held
a chip and a time per read; keyed on the chip alone, a runner's reads share one key and
PostgreSQL's B-tree deduplication keeps one entry of the chip with the list of its reads
(a marathon runner has 11 to 20). Storing a batch of 1,000 reads cost the database 0.6 ms
less of its 10.5 ms with 800,000 reads stored (``docs/performance.md``, "Ingestion"), and
the index is smaller for the lookups that share the cache with it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_timing_read_chip', 'timing_read', ['chip'], unique=False)
    op.drop_index('ix_timing_read_chip_read_at', table_name='timing_read')


def downgrade() -> None:
    op.create_index('ix_timing_read_chip_read_at', 'timing_read', ['chip', 'read_at'],
                    unique=False)
    op.drop_index('ix_timing_read_chip', table_name='timing_read')
