from odoo import api, fields, models
from odoo.exceptions import UserError

from .loyalty_b2b_card_expiry_forecast import FORECAST_DAYS


class LoyaltyB2bCard(models.Model):
    """A card's statement over a period: its balance before, each movement of
    its ledger with the running balance, its balance after and, for cashback,
    what expires next. Cashback cards count money, stamp cards stamps;
    discount cards keep no balance and get a statement that says so."""

    _inherit = "loyalty.b2b.card"

    @api.model
    def _get_statement_period(self, date_from, date_to):
        """``(date_from, date_to)`` as dates, from dates or ISO strings, once
        they make a period: both given, valid, the end not before the start."""
        try:
            start = fields.Date.to_date(date_from)
            end = fields.Date.to_date(date_to)
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._("The statement period must be two valid dates.")
            ) from error
        if not start or not end:
            raise UserError(
                self.env._("Choose the first and last day of the statement.")
            )
        if start > end:
            raise UserError(
                self.env._("The statement period must start before it ends.")
            )
        return start, end

    def _get_statement_unit(self):
        """Hook: what the statement counts: ``"money"`` (cashback, in company
        currency), ``"stamps"``, or False for a card without a balance."""
        self.ensure_one()
        return {"cashback": "money", "stamp": "stamps"}.get(self.program_type, False)

    def _get_statement_data(self, date_from, date_to):
        """The card's statement from ``date_from`` to ``date_to`` included
        (dates or ISO strings): ``card``, ``date_from``, ``date_to``, ``unit``
        (see ``_get_statement_unit``), ``currency``, ``opening_balance`` (before
        ``date_from``), ``lines`` (``loyalty.b2b.transaction``'s
        ``_get_statement_lines``: every ledger entry of the period, oldest
        first), ``total_in``, ``total_out``, ``closing_balance`` and ``expiry``
        (cashback only, else False: ``date`` it is computed on, today;
        ``next_date``, ``next_amount``; ``within`` ``{30: amount, 90: amount}``;
        ``is_expiring``, False when the program's cashback never expires).

        Entries that cancel each other out (a reset invoice) both show: the
        balances are the ledger's, as the card shows them."""
        self.ensure_one()
        date_from, date_to = self._get_statement_period(date_from, date_to)
        unit = self._get_statement_unit()
        data = {
            "card": self,
            "date_from": date_from,
            "date_to": date_to,
            "unit": unit,
            "currency": self.currency_id,
            "opening_balance": 0,
            "lines": [],
            "total_in": 0,
            "total_out": 0,
            "closing_balance": 0,
            "expiry": False,
        }
        if not unit:
            return data
        # sudo: the ledger of a card the user reads (portal: its own company's).
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        column = "amount" if unit == "money" else "stamps"
        [[opening]] = ledger._read_group(
            [("card_id", "=", self.id), ("date", "<", date_from)],
            aggregates=[f"{column}:sum"],
        )
        entries = ledger.search(
            self._get_statement_entries_domain(date_from, date_to), order="date, id"
        )
        round_ = self.currency_id.round if unit == "money" else int
        opening = round_(opening or 0)
        lines = entries._get_statement_lines(opening, unit)
        total_in = round_(sum(line["amount_in"] for line in lines))
        total_out = round_(sum(line["amount_out"] for line in lines))
        data.update(
            opening_balance=opening,
            lines=lines,
            total_in=total_in,
            total_out=total_out,
            closing_balance=round_(opening + total_in - total_out),
        )
        if unit == "money":
            data["expiry"] = self._get_statement_expiry()
        return data

    def _get_statement_entries_domain(self, date_from, date_to):
        """Hook: the ledger entries listed on the card's statement."""
        self.ensure_one()
        return [
            ("card_id", "=", self.id),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
        ]

    def _get_statement_expiry(self):
        """What of the cashback expires next, from today (see
        ``_get_statement_data``)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        ledger = self.env["loyalty.b2b.transaction"]
        credits = ledger._get_remaining_cashback_credits(self).get(self, [])
        next_date, next_amount = self._get_next_expiry(credits, today)
        return {
            "date": today,
            "is_expiring": bool(
                self.program_id.sudo().filtered_domain(
                    ledger._get_expiring_program_domain()
                )
            ),
            "next_date": next_date,
            "next_amount": next_amount,
            "within": self._get_expiring_amounts(credits, FORECAST_DAYS, today),
        }
