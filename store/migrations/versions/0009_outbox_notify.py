"""a NOTIFY on the outbox's channel from every transaction that writes events

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02 12:50:00

The AMQP relay polled the outbox when it found nothing to send. A statement
trigger notifies ``buyfree_outbox`` (store.outbox.CHANNEL) in the writing
transaction; Postgres delivers it at commit, so the relay, LISTENing on its
own connection, wakes as the events become visible, and polls only as a
fallback. Every writer (the purchases' single statement too) is covered; one
transaction's notifications fold into one (same channel, same payload).
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0005'  # main's head when this landed
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('buyfree_outbox', '');
  RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()")


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION notify_outbox()")
