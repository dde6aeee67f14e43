from odoo import Command, fields

from .common import LoyaltyB2bCommon


class CashbackCommon(LoyaltyB2bCommon):
    """Two companies in two currencies, each with a cashback program and cards.

    Company A (USD, the test company) runs "Tools cashback": 2 % on tools only.
    Invoices in EUR are converted at 2 EUR for 1 USD. Company B (EUR) runs
    "Partner cashback": 4 % on everything; invoices in USD are converted at
    0.5 USD for 1 EUR. Dates are in 2019: the spend windows ending today leave
    every card in its base tier.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.company.currency_id
        cls.eur = cls._setup_eur()
        cls.company_b = cls._setup_second_company(currency_id=cls.eur.id)["company"]
        cls.env["res.currency.rate"].create(
            {
                "name": "2019-01-01",
                "rate": 0.5,
                "currency_id": cls.usd.id,
                "company_id": cls.company_b.id,
            }
        )
        # Accountants of both companies: every search sees both.
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=(cls.company | cls.company_b).ids,
            )
        )
        cls.Program = cls.env["loyalty.b2b.program"]
        cls.Card = cls.env["loyalty.b2b.card"]
        cls.Transaction = cls.env["loyalty.b2b.transaction"]
        cls.redemption_product = cls.env.ref("loyalty_b2b.product_cashback_redemption")
        cls.program_a = cls.Program.create(
            {
                "name": "Tools cashback",
                "program_type": "cashback",
                "product_category_ids": [Command.set(cls.categ_tools.ids)],
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                    ),
                    Command.create(
                        {"name": "Top", "min_amount": 10**9, "cashback_percent": 9}
                    ),
                ],
            }
        )
        cls.program_b = cls.Program.with_company(cls.company_b).create(
            {
                "name": "Partner cashback",
                "program_type": "cashback",
                "company_id": cls.company_b.id,
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 4}
                    ),
                ],
            }
        )
        cls.card_a = cls.Card.create(
            {"program_id": cls.program_a.id, "partner_id": cls.customer.id}
        )
        cls.card_b = cls.Card.with_company(cls.company_b).create(
            {"program_id": cls.program_b.id, "partner_id": cls.customer.id}
        )
        cls.liability_a = cls.program_a.liability_account_id
        cls.rebate_a = cls.program_a.rebate_account_id
        cls.breakage_a = cls.program_a.breakage_account_id
        cls.liability_b = cls.program_b.liability_account_id

    @classmethod
    def _invoice(
        cls,
        lines,
        partner=None,
        company=None,
        currency=None,
        date="2019-01-15",
        move_type="out_invoice",
        post=True,
        redeem=0.0,
        redeem_account=None,
        redeem_card=None,
    ):
        """An invoice of ``lines`` [(product, quantity, price)], spending
        ``redeem`` cashback of ``redeem_card`` (default: the customer's first
        cashback card) on a redemption line."""
        company = company or cls.company
        line_commands = [
            Command.create(
                {"product_id": product.id, "quantity": quantity, "price_unit": price}
            )
            for product, quantity, price in lines
        ]
        if redeem:
            program = cls.program_a if company == cls.company else cls.program_b
            line_commands.append(
                Command.create(
                    {
                        "product_id": cls.redemption_product.id,
                        "name": "Cashback redemption",
                        "quantity": 1,
                        "price_unit": -redeem,
                        "account_id": (
                            redeem_account or program.liability_account_id
                        ).id,
                        "tax_ids": [Command.clear()],
                        "b2b_reward_kind": "cashback",
                        "b2b_card_id": redeem_card.id if redeem_card else False,
                    }
                )
            )
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or cls.contact).id,
                    "invoice_date": date,
                    "date": date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": line_commands,
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _refund(cls, invoice, quantities=None, date=None, post=True):
        """A credit note of ``invoice``; ``quantities`` {product: quantity}
        makes it partial."""
        refund = invoice._reverse_moves(
            [
                {
                    "invoice_date": date or invoice.invoice_date,
                    "date": date or invoice.date,
                }
            ]
        )
        for line in refund.invoice_line_ids:
            if quantities and line.product_id in quantities:
                line.quantity = quantities[line.product_id]
        if post:
            refund.action_post()
        return refund

    @classmethod
    def _pay(cls, invoice, amount=None, date="2019-02-01"):
        register = (
            cls.env["account.payment.register"]
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": date})
        )
        if amount is not None:
            register.amount = amount
        return register._create_payments()

    def _live(self, documents, kind="earn"):
        return self.Transaction.search(
            [
                ("invoice_id", "in", documents.ids),
                ("kind", "=", kind),
                ("reversed_entry_id", "=", False),
                ("is_cancelled", "=", False),
            ]
        )

    def _account_credit_balance(self, account, company=None, date=None):
        domain = [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        if company:
            domain.append(("company_id", "=", company.id))
        if date:
            domain.append(("date", "<=", date))
        lines = self.env["account.move.line"].search(domain)
        return -sum(lines.mapped("balance"))

    def _ledger_sum(self, program, date=None):
        domain = [("program_id", "=", program.id)]
        if date:
            domain.append(("date", "<=", fields.Date.to_date(date)))
        return sum(self.Transaction.search(domain).mapped("amount"))
