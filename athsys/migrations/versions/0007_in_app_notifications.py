"""In-app notifications: the ``in_app`` channel (its subscription needs a user) and
``notification.read_at``, when the user read it in the web UI.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f('ck_subscription_notification_channel'), 'subscription',
                       type_='check')
    op.create_check_constraint(
        op.f('ck_subscription_notification_channel'), 'subscription',
        "channel IN ('email', 'webhook', 'in_app')")
    op.create_check_constraint(
        op.f('ck_subscription_in_app_has_user'), 'subscription',
        "channel <> 'in_app' OR user_id IS NOT NULL")
    op.add_column('notification', sa.Column('read_at', sa.DateTime(timezone=True),
                                            nullable=True))


def downgrade() -> None:
    op.drop_column('notification', 'read_at')
    op.execute("DELETE FROM subscription WHERE channel = 'in_app'")
    op.drop_constraint(op.f('ck_subscription_in_app_has_user'), 'subscription', type_='check')
    op.drop_constraint(op.f('ck_subscription_notification_channel'), 'subscription',
                       type_='check')
    op.create_check_constraint(
        op.f('ck_subscription_notification_channel'), 'subscription',
        "channel IN ('email', 'webhook')")
