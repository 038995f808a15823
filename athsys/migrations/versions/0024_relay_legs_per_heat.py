"""Who ran each leg of a relay team in each heat, kept when the heat starts.

A team's legs (``relay_leg``) stay open until its next race starts and may change between
rounds (heats, then the final). Results, start lists and exports showed the team's current
legs, so once the final's runners were declared, the heat's result named them too. Now a
trigger on ``heat`` copies the declared legs of every team in the heat into
``relay_run_leg`` when the heat leaves ``scheduled`` (whatever starts it: the starter's
console, the admin, a timing import) and drops them if it is put back to ``scheduled`` (the
legs are open again). The trigger runs at commit (a deferred constraint trigger): the
transaction that starts a heat may write its lanes in the same flush, after the heat's row,
and the legs cannot change in between (declaring them is refused once the heat is under way).
Heats already under way or over when this runs keep the legs declared now, the best that is
known of them.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_KEEP = """
INSERT INTO relay_run_leg (heat_id, entry_id, leg, athlete_id)
SELECT a.heat_id, l.entry_id, l.leg, l.athlete_id
  FROM lane_assignment a JOIN relay_leg l ON l.entry_id = a.entry_id
 WHERE {where} AND l.leg IS NOT NULL
ON CONFLICT DO NOTHING"""


def upgrade() -> None:
    op.create_table(
        'relay_run_leg',
        sa.Column('heat_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('leg', sa.Integer(), nullable=False),
        sa.Column('athlete_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('leg BETWEEN 1 AND 10', name=op.f('ck_relay_run_leg_run_leg_range')),
        sa.ForeignKeyConstraint(['athlete_id'], ['athlete.id'], ondelete='RESTRICT',
                                name=op.f('fk_relay_run_leg_athlete_id_athlete')),
        sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], ondelete='CASCADE',
                                name=op.f('fk_relay_run_leg_entry_id_entry')),
        sa.ForeignKeyConstraint(['heat_id'], ['heat.id'], ondelete='CASCADE',
                                name=op.f('fk_relay_run_leg_heat_id_heat')),
        sa.PrimaryKeyConstraint('heat_id', 'entry_id', 'leg', name=op.f('pk_relay_run_leg')),
    )
    op.create_index('ix_relay_run_leg_entry_id', 'relay_run_leg', ['entry_id'])
    op.create_index('ix_relay_run_leg_athlete_id', 'relay_run_leg', ['athlete_id'])
    op.execute(f"""
CREATE FUNCTION relay_run_legs_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'scheduled' THEN
    DELETE FROM relay_run_leg WHERE heat_id = NEW.id;
  ELSE
    {_KEEP.format(where="a.heat_id = NEW.id")};
  END IF;
  RETURN NULL;
END $$""")  # nosec B608 # the statement is this file's own constant, no input
    op.execute("""
CREATE CONSTRAINT TRIGGER relay_run_legs_kept AFTER UPDATE OF status ON heat
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status
      AND (OLD.status = 'scheduled' OR NEW.status = 'scheduled'))
EXECUTE FUNCTION relay_run_legs_kept()""")
    op.execute(_KEEP.format(
        where="a.heat_id IN (SELECT id FROM heat WHERE status <> 'scheduled')"))


def downgrade() -> None:
    op.execute("DROP TRIGGER relay_run_legs_kept ON heat")
    op.execute("DROP FUNCTION relay_run_legs_kept()")
    op.drop_table('relay_run_leg')
