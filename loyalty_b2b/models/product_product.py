from odoo import api, models
from odoo.exceptions import UserError


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self._b2b_check_program_products()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_b2b_program_product(self):
        self._b2b_check_program_products()

    def _b2b_check_program_products(self):
        """Refuse to archive or delete the stamp reward or the cashback
        redemption product of a loyalty program: deleting it would empty the
        program's field, archiving it would hide it from the orders."""
        if not self:
            return
        programs = self.env["loyalty.b2b.program"]._get_programs_using(
            self, ["stamp_reward_product_id", "cashback_redemption_product_id"]
        )
        if programs:
            products = (
                programs.stamp_reward_product_id
                | programs.cashback_redemption_product_id
            ) & self
            raise UserError(
                self.env._(
                    "%(products)s cannot be archived or deleted while loyalty "
                    "programs use it: %(programs)s. Choose another product on "
                    "these programs first.",
                    products=", ".join(products.sudo(False).mapped("display_name")),
                    programs=", ".join(programs.mapped("display_name")),
                )
            )
