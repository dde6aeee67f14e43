from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class LoyaltyB2bCommon(AccountTestInvoicingCommon):
    """Accounting company with B2B customers, eligible products and one program
    of each type. Shared by every loyalty_b2b test."""

    @classmethod
    def get_default_groups(cls):
        # The test user configures programs and sells, besides doing accounting.
        return (
            super().get_default_groups()
            | cls.env.ref("loyalty_b2b.group_loyalty_b2b_manager")
            | cls.env.ref("sales_team.group_sale_manager")
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        cls.tag_dealer = cls.env["res.partner.category"].create({"name": "Dealer"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Acme Wholesale", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ann Buyer", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Globex Trading", "is_company": True}
        )
        cls.categ_tools = cls.env["product.category"].create({"name": "Tools"})
        cls.categ_power_tools = cls.env["product.category"].create(
            {"name": "Power tools", "parent_id": cls.categ_tools.id}
        )
        cls.categ_other = cls.env["product.category"].create({"name": "Other"})
        cls.product_drill = cls._create_product(
            name="Drill", lst_price=1000.0, categ_id=cls.categ_power_tools.id
        )
        cls.product_paper = cls._create_product(
            name="Paper", lst_price=100.0, categ_id=cls.categ_other.id
        )
        cls.product_training = cls._create_product(
            name="Training day", type="service", lst_price=800.0
        )
        cls.Program = cls.env["loyalty.b2b.program"]
        cls.Card = cls.env["loyalty.b2b.card"]
        cls.Transaction = cls.env["loyalty.b2b.transaction"]
        cls.program_discount = cls.Program.create(
            {"name": "Dealer 10%", "program_type": "discount", "discount_percent": 10}
        )
        cls.program_accumulative = cls.Program.create(
            {
                "name": "Volume",
                "program_type": "accumulative",
                "tier_ids": [
                    Command.create(
                        {"name": "Silver", "min_amount": 0, "discount_percent": 3}
                    ),
                    Command.create(
                        {"name": "Gold", "min_amount": 10000, "discount_percent": 7}
                    ),
                ],
            }
        )
        cls.program_cashback = cls.Program.create(
            {
                "name": "Cashback",
                "program_type": "cashback",
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                    ),
                    Command.create(
                        {"name": "Plus", "min_amount": 5000, "cashback_percent": 5}
                    ),
                ],
            }
        )
        cls.program_stamp = cls.Program.create(
            {
                "name": "Stamps",
                "program_type": "stamp",
                "stamps_required": 3,
                "stamp_min_amount": 500,
                "stamp_reward_product_id": cls.product_training.id,
            }
        )

    # 2.00 EUR for 1.00 USD (the test company's currency). Before 2017 Odoo
    # falls back to the oldest rate, so every date a test uses converts at 2.0:
    # unlike Odoo's default rates, no 3.0 in 2016 nor 1.0 before.
    EUR_RATES = [("2017-01-01", 2.0)]

    @classmethod
    def _setup_second_company(cls, **values):
        """Odoo's accounting data of a second company, with its own chart of
        accounts (hence its own 15 % sales tax). ``values`` override the
        company's, e.g. ``currency_id``. Company names are unique: one call per
        test, or per class in ``setUpClass``."""
        return cls.setup_other_company(**{"name": "Second Company", **values})

    @classmethod
    def _setup_eur(cls):
        """EUR, active, at ``EUR_RATES`` for the test company."""
        return cls.setup_other_currency("EUR", rates=cls.EUR_RATES)

    @classmethod
    def _create_card(cls, program, partner=None, **vals):
        return cls.Card.create(
            {
                "program_id": program.id,
                "partner_id": (partner or cls.customer).id,
                **vals,
            }
        )

    @classmethod
    def _add_ledger(cls, card, amount=0.0, stamps=0, kind="adjust"):
        """Give ``card`` cashback (through a manual adjustment and its journal
        entry, as the ledger requires) or stamps."""
        ledger = cls.env["loyalty.b2b.transaction"]
        if amount:
            return ledger._adjust_cashback(card, amount, "Test balance")
        return ledger.sudo().create(
            {"card_id": card.id, "kind": kind, "stamps": stamps}
        )
