from odoo import Command
from odoo.tests import new_test_user

from .common import LoyaltyB2bCommon


class LoyaltyB2bSaleCommon(LoyaltyB2bCommon):
    """Sales on loyalty cards: helpers shared by the test_sale_* files."""

    # A drill (1,000.00) and a paper (100.00) line under the 10 % discount card.
    DRILL_AND_PAPER_AT_10_PERCENT = (
        {
            "price_unit": 1000.0,
            "b2b_discount": 10.0,
            "discount": 10.0,
            "b2b_has_manual_discount": False,
            "price_subtotal": 900.0,
        },
        {
            "price_unit": 100.0,
            "b2b_discount": 10.0,
            "discount": 10.0,
            "b2b_has_manual_discount": False,
            "price_subtotal": 90.0,
        },
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.SaleOrder = cls.env["sale.order"]
        cls.tax_rate = cls.tax_sale_a.amount
        cls.gold = cls.program_accumulative.tier_ids.filtered(
            lambda tier: tier.name == "Gold"
        )
        cls.redemption_product = cls.env.ref("loyalty_b2b.product_cashback_redemption")

    @classmethod
    def _create_order(cls, partner=None, lines=None, user=None, **vals):
        """A quotation; ``lines``: (product, quantity) pairs, one drill by default."""
        lines = lines if lines is not None else [(cls.product_drill, 1.0)]
        return cls.SaleOrder.with_user(user or cls.env.user).create(
            {
                "partner_id": (partner or cls.customer).id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
                **vals,
            }
        )

    @classmethod
    def _create_drill_pricelist(cls, **rule):
        """A "Dealers" pricelist with one price rule, ``rule``, on the drill."""
        return cls.env["product.pricelist"].create(
            {
                "name": "Dealers",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.product_drill.product_tmpl_id.id,
                            **rule,
                        }
                    )
                ],
            }
        )

    def _invoice(self, orders, post=True):
        invoice = orders._create_invoices()
        if post:
            invoice.action_post()
        return invoice

    def _new_salesperson(self):
        """A salesperson with no other right: loyalty comes with Sales / User."""
        return new_test_user(
            self.env,
            login="b2b_salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
        )

    def _enable_line_discounts(self):
        """The "Discounts" sales setting: line discounts, pricelist discounts."""
        self.env.ref("base.group_user").implied_ids |= self.env.ref(
            "sale.group_discount_per_so_line"
        )
