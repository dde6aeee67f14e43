from odoo import api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyB2bDocument(models.Model):
    """A file a program reserves to its members, or to the members of some of
    its tiers: price lists, product road maps, technical notes. Its members'
    contacts download it from the card's portal page."""

    _name = "loyalty.b2b.document"
    _description = "B2B Loyalty Exclusive Document"
    _order = "program_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(
        translate=True, help="Shown under the document's name on the portal."
    )
    program_id = fields.Many2one(
        "loyalty.b2b.program", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    tier_ids = fields.Many2many(
        "loyalty.b2b.tier",
        "loyalty_b2b_document_tier_rel",
        "document_id",
        "tier_id",
        string="Tiers",
        domain="[('program_id', '=', program_id)]",
        help="The tiers whose cards see the document; empty: every member of "
        "the program.",
    )
    datas = fields.Binary(string="File", attachment=True, required=True)
    file_name = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    # The database does not enforce "required" on an attachment field; the
    # program, always given, makes a creation without a file checked too.
    @api.constrains("program_id", "datas")
    def _check_datas(self):
        for document in self:
            if not document.datas:
                raise ValidationError(
                    self.env._(
                        "Document %(document)s needs a file.", document=document.name
                    )
                )

    @api.constrains("program_id", "tier_ids")
    def _check_tier_ids(self):
        for document in self:
            foreign = document.tier_ids.filtered(
                lambda tier, doc=document: tier.program_id != doc.program_id
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Document %(document)s can only be reserved to tiers of "
                        "its program %(program)s, not to: %(tiers)s.",
                        document=document.name,
                        program=document.program_id.display_name,
                        tiers=", ".join(foreign.mapped("display_name")),
                    )
                )
