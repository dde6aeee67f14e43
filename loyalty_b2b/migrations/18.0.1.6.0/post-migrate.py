from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Cards issued before 18.0.1.6.0 get their creation day as *Issued On*
    (the new column was filled with the day of the update): one write per day."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    cards = env["loyalty.b2b.card"].with_context(active_test=False).search([])
    for day, day_cards in cards.grouped(lambda card: card.create_date.date()).items():
        day_cards.filtered(lambda card, day=day: card.issue_date != day).write(
            {"issue_date": day}
        )
