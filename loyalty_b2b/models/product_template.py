from odoo import api, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self._b2b_check_program_products()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_b2b_program_product(self):
        # Deleting a template deletes its variants in the database, without
        # their own ondelete checks.
        self._b2b_check_program_products()

    def _b2b_check_program_products(self):
        self.with_context(
            active_test=False
        ).product_variant_ids._b2b_check_program_products()
