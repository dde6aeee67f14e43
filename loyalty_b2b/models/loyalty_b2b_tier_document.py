from odoo import api, models
from odoo.exceptions import UserError


class LoyaltyB2bTier(models.Model):
    _inherit = "loyalty.b2b.tier"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_only_tier_of_documents(self):
        # A document left without tiers is for every member: deleting the
        # last tier it is reserved to would open it to all the program.
        documents = (
            self.env["loyalty.b2b.document"]
            .with_context(active_test=False)
            .search([("tier_ids", "in", self.ids)])
        )
        exposed = documents.filtered(lambda document: document.tier_ids <= self)
        if exposed:
            raise UserError(
                self.env._(
                    "Documents %(documents)s are reserved to the tiers you delete "
                    "only: deleted, they would be open to every member of the "
                    "program. Reserve them to other tiers, or archive them, "
                    "first.",
                    documents=", ".join(exposed.mapped("display_name")),
                )
            )
