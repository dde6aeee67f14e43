from odoo import api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyB2bDocument(models.Model):
    """A document may be the content of an information reward: it opens only
    to the contact the reward was given to, not to the program's tiers."""

    _inherit = "loyalty.b2b.document"

    reward_id = fields.Many2one(
        "loyalty.b2b.reward",
        string="Information Reward",
        index="btree_not_null",
        ondelete="cascade",
        domain="[('program_id', '=', program_id), ('reward_type', '=', 'information')]",
        help="Set: the document opens only to the contacts given this "
        "information reward (a fulfilled request), whatever their tier.",
    )

    @api.constrains("reward_id", "program_id", "tier_ids")
    def _check_reward_id(self):
        for document in self.filtered("reward_id"):
            reward = document.reward_id
            if (
                reward.program_id != document.program_id
                or reward.reward_type != "information"
                or document.tier_ids
            ):
                raise ValidationError(
                    self.env._(
                        "Document %(document)s: the content of an information "
                        "reward belongs to the reward's program and is reserved "
                        "to no tier (the reward decides who opens it).",
                        document=document.name,
                    )
                )


class LoyaltyB2bReward(models.Model):
    _inherit = "loyalty.b2b.reward"

    document_ids = fields.One2many(
        "loyalty.b2b.document",
        "reward_id",
        string="Documents",
        context={"active_test": False},
    )


class LoyaltyB2bCard(models.Model):
    _inherit = "loyalty.b2b.card"

    def _get_portal_documents(self, partner):
        """Besides the tiers' documents, those of the information rewards
        given to ``partner`` (fulfilled requests for it, or for nobody in
        particular: then every contact of the company)."""
        documents = super()._get_portal_documents(partner)
        if not self._opens_portal_documents_to(partner):
            return documents
        # sudo: the card's own requests and its program's documents.
        requests = (
            self.env["loyalty.b2b.reward.request"]
            .sudo()
            .search(
                [
                    ("card_id", "=", self.id),
                    ("state", "=", "fulfilled"),
                    ("reward_id.reward_type", "=", "information"),
                    "|",
                    ("contact_id", "=", False),
                    ("contact_id", "=", partner.id),
                ]
            )
        )
        if not requests:
            return documents
        granted = (
            self.env["loyalty.b2b.document"]
            .sudo()
            .search(
                [("reward_id", "in", requests.reward_id.ids), ("active", "=", True)]
            )
        )
        return documents | granted.with_env(self.env)
