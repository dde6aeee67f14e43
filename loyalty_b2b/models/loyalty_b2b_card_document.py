from odoo import models


class LoyaltyB2bCard(models.Model):
    """The exclusive documents a card opens to its company's contacts."""

    _inherit = "loyalty.b2b.card"

    def _get_portal_documents(self, partner):
        """Hook: the documents ``partner``, a contact of the card's company,
        may see and download from the card's portal page: the active
        documents of the card's program reserved to no tier or to the card's
        tier, while the card is active. In the card's environment: a card
        read through sudo (the portal's, once its ownership was checked)
        gives documents read through sudo."""
        self.ensure_one()
        documents = self.env["loyalty.b2b.document"]
        # Documents open to the members of tiers, not those of rewards (see
        # loyalty_b2b_card_reward_document.py).
        if not self._opens_portal_documents_to(partner):
            return documents
        # sudo: documents have no portal access rights; the domain keeps to
        # the card's own program, hence its company.
        found = documents.sudo().search(
            [
                ("program_id", "=", self.program_id.id),
                ("active", "=", True),
                # A reward's documents open only to whom the reward was given.
                ("reward_id", "=", False),
                "|",
                ("tier_ids", "=", False),
                ("tier_ids", "in", self.tier_id.ids),
            ]
        )
        return found.with_env(self.env)

    def _opens_portal_documents_to(self, partner):
        """Hook: does this card open documents to ``partner`` at all: an
        active card of an active program, and a contact of its company."""
        self.ensure_one()
        return bool(
            self.state == "active"
            and self.program_id.active
            and self._get_partner_access_level(partner)
        )
