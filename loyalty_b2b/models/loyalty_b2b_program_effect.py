"""Does the program pay? Measures of a program's effect on its members' spend.

Every figure reads one spend, the tier engine's qualifying spend (see
``loyalty_b2b_card_tier._get_spend_query``) without the program's product
categories: untaxed posted customer invoices minus credit notes of the company
and all its contacts in the program's companies, in company currency,
membership fees left out, cashback redemption lines added back. It is read by
one set-based query for any number of companies and periods
(``_get_effect_spend_by_span``). The figures are described in the readme
(USAGE.md, "Does the program pay? Reading uplift").
"""

from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare

# Companies under which a comparison group is too small to trust.
SMALL_GROUP_SIZE = 30
# Days of the at-risk comparison: the last 90 days against the same 90 days
# a year before.
AT_RISK_DAYS = 90
# Card states of a member: a pending card waits for its fee, it gives nothing yet.
MEMBER_CARD_STATES = ("active", "blocked", "expired")


def quarter_start(day):
    """First day of the quarter of ``day``."""
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def last_full_quarters(date_to):
    """``((start, end), (start, end))``: the last quarter that ended on or
    before ``date_to``, preceded by the one before it."""
    later_end = date_to
    if date_to + timedelta(days=1) != quarter_start(date_to + timedelta(days=1)):
        later_end = quarter_start(date_to) - timedelta(days=1)
    later_start = quarter_start(later_end)
    earlier_end = later_start - timedelta(days=1)
    return (quarter_start(earlier_end), earlier_end), (later_start, later_end)


class LoyaltyB2bProgram(models.Model):
    _inherit = "loyalty.b2b.program"

    at_risk_drop_percent = fields.Float(
        string="At-Risk Drop (%)",
        default=50.0,
        help="A member is at risk when its spend of the last 90 days fell by "
        "more than this share against the same 90 days a year before.",
    )

    @api.constrains("at_risk_drop_percent")
    def _check_at_risk_drop_percent(self):
        for program in self:
            if not 0 <= program.at_risk_drop_percent < 100:
                raise ValidationError(
                    self.env._(
                        "The at-risk drop of %(program)s is a share of the spend: "
                        "from 0 %% to less than 100 %%.",
                        program=program.display_name,
                    )
                )

    # Spend -----------------------------------------------------------------------

    def _get_effect_spend_conditions(self, partner_ids, date_start, date_end):
        """Hook: SQL conditions on ``move`` of the documents whose untaxed
        amount is spend: the tier engine's, without product categories."""
        self.ensure_one()
        return [
            SQL(
                "move.company_id IN %s",
                self.company_id._b2b_get_document_companies_sql(),
            ),
            SQL("move.state = 'posted'"),
            SQL("move.move_type IN ('out_invoice', 'out_refund')"),
            # A membership fee is no purchase, nor is its refund a return.
            SQL("move.b2b_is_membership_fee IS NOT TRUE"),
            SQL("move.commercial_partner_id = ANY(%s)", partner_ids),
            SQL("move.invoice_date BETWEEN %s AND %s", date_start, date_end),
        ]

    def _get_effect_spend_by_span(self, spans):
        """``{(partner id, start, end): spend}`` of the commercial partners in
        the periods ``spans``, a list of ``(partner id, start, end)`` with
        both dates included, in company currency (0.0 without documents).
        One query, whatever the number of partners and periods."""
        self.ensure_one()
        spans = list(dict.fromkeys(spans))
        result = dict.fromkeys(spans, 0.0)
        if not spans:
            return result
        self.env["loyalty.b2b.card"]._flush_spend_sources()
        partner_ids = sorted({span[0] for span in spans})
        conditions = SQL(" AND ").join(
            self._get_effect_spend_conditions(
                partner_ids,
                min(span[1] for span in spans),
                max(span[2] for span in spans),
            )
        )
        self.env.cr.execute(
            SQL(
                """WITH span AS (
                        SELECT * FROM unnest(%(partners)s::int[], %(starts)s::date[],
                                             %(ends)s::date[])
                                   AS span(partner_id, date_start, date_end)),
                        document AS (
                        SELECT move.commercial_partner_id AS partner_id,
                               move.invoice_date, move.amount_untaxed_signed AS amount
                          FROM account_move move
                         WHERE %(conditions)s
                     UNION ALL
                        -- Cashback spent on a document pays for it: added back.
                        SELECT move.commercial_partner_id, move.invoice_date,
                               line.balance
                          FROM account_move_line line
                          JOIN account_move move ON move.id = line.move_id
                         WHERE line.b2b_reward_kind = 'cashback' AND %(conditions)s)
                 SELECT span.partner_id, span.date_start, span.date_end,
                        SUM(document.amount)
                   FROM span
                   JOIN document ON document.partner_id = span.partner_id
                    AND document.invoice_date BETWEEN span.date_start AND span.date_end
               GROUP BY span.partner_id, span.date_start, span.date_end""",
                partners=[span[0] for span in spans],
                starts=[span[1] for span in spans],
                ends=[span[2] for span in spans],
                conditions=conditions,
            )
        )
        for partner_id, date_start, date_end, amount in self.env.cr.fetchall():
            result[partner_id, date_start, date_end] = self.currency_id.round(
                float(amount or 0.0)
            )
        return result

    def _get_effect_spend(self, partner_ids, periods):
        """``{partner id: [spend in each period]}`` of the commercial partners
        ``partner_ids`` in ``periods``, a list of ``(start, end)`` dates (both
        included). One query (see ``_get_effect_spend_by_span``)."""
        self.ensure_one()
        spend = self._get_effect_spend_by_span(
            [(pid, start, end) for pid in partner_ids for start, end in periods]
        )
        return {
            pid: [spend[pid, start, end] for start, end in periods]
            for pid in partner_ids
        }

    # Groups of companies -----------------------------------------------------

    def _get_effect_member_cards(self):
        """Hook: the cards that make their companies members of the program
        (a pending card waits for its fee: not yet)."""
        self.ensure_one()
        return (
            self.env["loyalty.b2b.card"]
            .sudo()
            .search(
                [
                    ("program_id", "=", self.id),
                    ("state", "in", MEMBER_CARD_STATES),
                ]
            )
        )

    def _get_effect_members(self, date_to):
        """``{partner id: join date}`` of the members by ``date_to``: a
        company with several cards joined with its first."""
        cards = self._get_effect_member_cards()
        members = {}
        for card_id, joined in cards._get_effect_join_dates().items():
            partner_id = cards.browse(card_id).partner_id.id
            if joined <= date_to:
                members[partner_id] = min(joined, members.get(partner_id, joined))
        return members

    def _get_effect_customer_ids(self, date_start, date_end):
        """Ids of the commercial partners with a posted customer invoice in
        the program's companies between the two dates."""
        self.ensure_one()
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "child_of", self.company_id.ids),
                    ("state", "=", "posted"),
                    ("move_type", "=", "out_invoice"),
                    ("b2b_is_membership_fee", "=", False),
                    ("invoice_date", ">=", date_start),
                    ("invoice_date", "<=", date_end),
                ],
                ["commercial_partner_id"],
            )
        )
        return {partner.id for (partner,) in groups}

    def _get_effect_non_member_ids(self, date_start, date_end):
        """Eligible non-members: customer companies of the period (an invoice
        between the two dates) without any card of the program, control
        group left out."""
        self.ensure_one()
        excluded = {
            partner.id
            for model in ("loyalty.b2b.card", "loyalty.b2b.control.member")
            for (partner,) in self.env[model]
            .sudo()
            ._read_group([("program_id", "=", self.id)], ["partner_id"])
        }
        return self._get_effect_customer_ids(date_start, date_end) - excluded

    def _get_effect_pilot_start(self):
        """The pilot's start: the control group's draw, else the issue date of
        the first pilot card; False without a pilot."""
        self.ensure_one()
        if self.pilot_state == "none":
            return False
        if self.control_draw_date:
            return self.control_draw_date
        cards = (
            self.env["loyalty.b2b.card"]
            .sudo()
            .search(
                [
                    ("program_id", "=", self.id),
                    ("partner_id", "in", self._get_pilot_companies().ids),
                ]
            )
        )
        return min(cards.mapped("issue_date"), default=False)

    # Figures -----------------------------------------------------------------

    def _effect_average(self, total, count):
        return self.currency_id.round(total / count) if count else 0.0

    def _get_effect_members_vs_non_members(self, date_from, date_to):
        """Average spend per member and per eligible non-member in the
        period. Non-members: customers of the period or of the comparison
        period (as long, just before)."""
        length = date_to - date_from
        comparison_start = date_from - length - timedelta(days=1)
        members = self._get_effect_members(date_to)
        non_members = self._get_effect_non_member_ids(comparison_start, date_to)
        spend = self._get_effect_spend(
            list(members) + sorted(non_members), [(date_from, date_to)]
        )
        member_total = sum(spend[pid][0] for pid in members)
        non_member_total = sum(spend[pid][0] for pid in non_members)
        return {
            "member_count": len(members),
            "member_total": self.currency_id.round(member_total),
            "member_average": self._effect_average(member_total, len(members)),
            "non_member_count": len(non_members),
            "non_member_total": self.currency_id.round(non_member_total),
            "non_member_average": self._effect_average(
                non_member_total, len(non_members)
            ),
        }

    def _get_effect_data_start(self):
        """The first day the spend has data: the earliest posted customer
        invoice of the program's companies (False without any)."""
        self.ensure_one()
        [(first,)] = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "child_of", self.company_id.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ],
                aggregates=["invoice_date:min"],
            )
        )
        return first

    def _get_effect_before_after(self, date_to, months):
        """Spend of the members in the ``months`` months before and after
        they joined: members who joined at least ``months`` months before
        ``date_to`` and ``months`` months after the data begins."""
        data_start = self._get_effect_data_start()
        spans = {}
        if data_start:
            for partner_id, joined in self._get_effect_members(date_to).items():
                if (
                    joined + relativedelta(months=months) <= date_to
                    and joined - relativedelta(months=months) >= data_start
                ):
                    spans[partner_id] = (
                        (
                            partner_id,
                            joined - relativedelta(months=months),
                            joined - timedelta(days=1),
                        ),
                        (
                            partner_id,
                            joined,
                            joined + relativedelta(months=months) - timedelta(days=1),
                        ),
                    )
        spend = self._get_effect_spend_by_span(
            [span for pair in spans.values() for span in pair]
        )
        before = sum(spend[pair[0]] for pair in spans.values())
        after = sum(spend[pair[1]] for pair in spans.values())
        count = len(spans)
        before_average = self._effect_average(before, count)
        after_average = self._effect_average(after, count)
        round_amount = self.currency_id.round
        return {
            # Each member compared, as the wizard lists them.
            "members": [
                {
                    "partner_id": partner_id,
                    "joined": pair[1][1],
                    "before": round_amount(spend[pair[0]]),
                    "after": round_amount(spend[pair[1]]),
                }
                for partner_id, pair in spans.items()
            ],
            "count": count,
            "before_total": self.currency_id.round(before),
            "after_total": self.currency_id.round(after),
            "before_average": before_average,
            "after_average": after_average,
            "uplift": self.currency_id.round(after_average - before_average),
        }

    def _get_effect_did(self, date_to, months):
        """Difference in differences of the pilot: average spend per pilot
        and control company before and after the pilot's start."""
        pilot_start = self._get_effect_pilot_start()
        partners = self.env["res.partner"]
        pilot = self._get_pilot_companies() if pilot_start else partners
        control = (
            self.sudo().control_member_ids.partner_id.sudo(False)
            if pilot_start
            else partners
        )
        result = {
            "pilot_start": pilot_start,
            "pilot_count": len(pilot),
            "control_count": len(control),
            "small_groups": bool(pilot_start)
            and (len(pilot) < SMALL_GROUP_SIZE or len(control) < SMALL_GROUP_SIZE),
            "did": None,
        }
        if not pilot_start or pilot_start > date_to:
            return result
        after_end = min(
            date_to, pilot_start + relativedelta(months=months) - timedelta(days=1)
        )
        before_start = pilot_start - (after_end - pilot_start) - timedelta(days=1)
        before_end = pilot_start - timedelta(days=1)
        periods = [(before_start, before_end), (pilot_start, after_end)]
        spend = self._get_effect_spend(pilot.ids + control.ids, periods)
        averages = {}
        for name, group in (("pilot", pilot), ("control", control)):
            for index, period in enumerate(("before", "after")):
                averages[f"{name}_{period}"] = self._effect_average(
                    sum(spend[pid][index] for pid in group.ids), len(group)
                )
        result.update(
            averages,
            before_start=before_start,
            before_end=before_end,
            after_start=pilot_start,
            after_end=after_end,
        )
        if pilot and control:
            result["did"] = self.currency_id.round(
                (averages["pilot_after"] - averages["pilot_before"])
                - (averages["control_after"] - averages["control_before"])
            )
        return result

    def _get_effect_retention(self, date_to):
        """Share of the companies that bought in the earlier of the last two
        full quarters that bought again in the later one, for the members
        and for the eligible non-members."""
        (q1_start, q1_end), (q2_start, q2_end) = last_full_quarters(date_to)
        members = self._get_effect_members(q1_end)
        non_members = self._get_effect_non_member_ids(q1_start, q2_end)
        spend = self._get_effect_spend(
            list(members) + sorted(non_members),
            [(q1_start, q1_end), (q2_start, q2_end)],
        )
        result = {
            "earlier_start": q1_start,
            "earlier_end": q1_end,
            "later_start": q2_start,
            "later_end": q2_end,
        }
        rounding = self.currency_id.rounding
        for name, group in (("member", members), ("non_member", non_members)):
            bought = [
                pid
                for pid in group
                if float_compare(spend[pid][0], 0.0, precision_rounding=rounding) > 0
            ]
            kept = [
                pid
                for pid in bought
                if float_compare(spend[pid][1], 0.0, precision_rounding=rounding) > 0
            ]
            result[f"{name}_bought_count"] = len(bought)
            result[f"{name}_kept_count"] = len(kept)
            result[f"{name}_rate"] = (
                round(100.0 * len(kept) / len(bought), 2) if bought else None
            )
        return result

    def _get_effect_cost(self, date_from, date_to):
        """Cost of the program in the period, in company currency: card
        discounts on invoices, cashback earned (net of its reversals), stamp
        rewards given, minus membership fees invoiced. Discounts, cashback and
        fees are the program analysis's (``loyalty.b2b.analysis``), so both
        screens tell the same figures; the analysis counts whole months, from
        the month of ``date_from`` to that of ``date_to``."""
        self.ensure_one()
        [(discounts, cashback, fees)] = (
            self.env["loyalty.b2b.analysis"]
            .sudo()
            ._read_group(
                [
                    ("program_id", "=", self.id),
                    ("date", ">=", date_from.replace(day=1)),
                    ("date", "<=", date_to),
                ],
                aggregates=[
                    "discount_amount:sum",
                    "cashback_earned:sum",
                    "fee_amount:sum",
                ],
            )
        )
        parts = {
            "discounts": self.currency_id.round(discounts or 0.0),
            "cashback": self.currency_id.round(cashback or 0.0),
            "rewards": self._get_effect_rewards(date_from, date_to),
            "fees": self.currency_id.round(fees or 0.0),
        }
        parts["cost"] = self.currency_id.round(
            parts["discounts"] + parts["cashback"] + parts["rewards"] - parts["fees"]
        )
        return parts

    def _get_effect_rewards(self, date_from, date_to):
        """Value of the stamp rewards the program's cards gave on invoices of
        the period (the free product at its price). Rewards of a cashback
        program are paid with cashback already counted as earned."""
        self.ensure_one()
        self.env["loyalty.b2b.card"]._flush_spend_sources()
        self.env["account.move"].flush_model(["invoice_currency_rate"])
        self.env["account.move.line"].flush_model(
            ["b2b_card_id", "discount", "price_unit", "quantity"]
        )
        self.env.cr.execute(
            SQL(
                """SELECT SUM(line.price_unit * line.quantity * line.discount / 100
                              / COALESCE(NULLIF(move.invoice_currency_rate, 0), 1)
                              * CASE WHEN move.move_type = 'out_refund'
                                     THEN -1 ELSE 1 END)
                     FROM account_move_line line
                     JOIN account_move move ON move.id = line.move_id
                     JOIN loyalty_b2b_card card ON card.id = line.b2b_card_id
                    WHERE move.company_id IN %s
                      AND move.state = 'posted'
                      AND move.move_type IN ('out_invoice', 'out_refund')
                      AND move.invoice_date BETWEEN %s AND %s
                      AND line.b2b_reward_kind = 'stamp_reward'
                      AND card.program_id = %s""",
                self.company_id._b2b_get_document_companies_sql(),
                date_from,
                date_to,
                self.id,
            )
        )
        return self.currency_id.round(float(self.env.cr.fetchone()[0] or 0.0))

    def _get_effect_figures(self, date_from, date_to, months=6):
        """Every measure of the program's effect, as a dict (see the readme,
        "Does the program pay? Reading uplift")."""
        self.ensure_one()
        figures = {
            "date_from": date_from,
            "date_to": date_to,
            "months": months,
            "members": self._get_effect_members_vs_non_members(date_from, date_to),
            "before_after": self._get_effect_before_after(date_to, months),
            "did": self._get_effect_did(date_to, months),
            "retention": self._get_effect_retention(date_to),
            "cost": self._get_effect_cost(date_from, date_to),
        }
        did = figures["did"]
        if did["did"] is not None:
            incremental = did["did"] * did["pilot_count"]
            basis = "did"
        else:
            incremental = (
                figures["before_after"]["uplift"] * figures["members"]["member_count"]
            )
            basis = "before_after"
        incremental = self.currency_id.round(incremental)
        cost = figures["cost"]["cost"]
        figures["incremental_revenue"] = incremental
        figures["incremental_basis"] = basis
        figures["cost_per_incremental_revenue"] = (
            round(cost / incremental, 4)
            if float_compare(
                incremental, 0.0, precision_rounding=self.currency_id.rounding
            )
            > 0
            else None
        )
        return figures

    def action_open_effect_wizard(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_effect_wizard_action"
        )
        action["context"] = {"default_program_id": self.id}
        return action

    # At-risk members -----------------------------------------------------------

    def _get_at_risk_periods(self, date):
        """``(recent, year_before)``: the last 90 days up to ``date`` and the
        same days a year before, as ``(start, end)`` pairs."""
        recent = (date - timedelta(days=AT_RISK_DAYS - 1), date)
        return recent, (
            recent[0] - relativedelta(years=1),
            recent[1] - relativedelta(years=1),
        )

    def _get_at_risk_spend(self, cards, date):
        """``{card id: (recent spend, spend a year before)}`` of ``cards`` of
        this program. One query."""
        self.ensure_one()
        periods = self._get_at_risk_periods(date)
        spend = self._get_effect_spend(cards.partner_id.ids, list(periods))
        return {card.id: tuple(spend[card.partner_id.id]) for card in cards}

    @api.model
    def _get_at_risk_drop(self, recent, before):
        """Drop in percent from ``before`` to ``recent``, None without spend
        before."""
        if before <= 0:
            return None
        return round(100.0 * (before - recent) / before, 2)

    def _get_at_risk_cards(self, date=None):
        """Active cards of these programs whose spend of the last 90 days
        fell by more than the program's at-risk drop against the same 90 days
        a year before."""
        date = date or fields.Date.context_today(self)
        at_risk = self.env["loyalty.b2b.card"]
        cards_by_program = defaultdict(lambda: self.env["loyalty.b2b.card"])
        for card in self.env["loyalty.b2b.card"].search(
            [("program_id", "in", self.ids), ("state", "=", "active")]
        ):
            cards_by_program[card.program_id] |= card
        for program, cards in cards_by_program.items():
            for card_id, (recent, before) in program._get_at_risk_spend(
                cards, date
            ).items():
                drop = self._get_at_risk_drop(recent, before)
                if drop is not None and drop > program.at_risk_drop_percent:
                    at_risk |= cards.browse(card_id)
        return at_risk

    def action_open_at_risk_cards(self):
        self.ensure_one()
        cards = self._get_at_risk_cards()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_card_at_risk_action"
        )
        action["domain"] = [("id", "in", cards.ids)]
        action["context"] = {"create": False}
        return action

    def action_schedule_at_risk_activities(self):
        self._get_at_risk_cards()._schedule_at_risk_activity()
        return True

    @api.model
    def _cron_schedule_at_risk_activities(self):
        """Daily: a to-do for the salesperson of each at-risk member."""
        programs = self.search([("active", "=", True)])
        programs._get_at_risk_cards()._schedule_at_risk_activity()
