import threading
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_round, split_every

from .tier_rules import decide_tier_rank, hold_end_date

# Program types whose cards have tiers decided by the company's spend.
TIERED_PROGRAM_TYPES = ("accumulative", "cashback")
# Cards per transaction of the nightly tier recomputation.
TIER_BATCH_SIZE = 5000


class LoyaltyB2bCard(models.Model):
    """The tier engine. Spend is one set-based aggregate per program and batch
    of cards, joined to the cards in the same statement; the cards that changed
    are written through the ORM, which sends them in one UPDATE. The number of
    queries never depends on the number of cards."""

    _inherit = "loyalty.b2b.card"

    def _create_spend_index(self):
        """Covering partial index of the spend aggregate: customer invoices and
        credit notes only (a fraction of account_move), keyed by company,
        customer and date, carrying the untaxed amount, so that the aggregate of
        a batch of customers is an index-only scan of their documents.
        Membership fees (and their credit notes) are left out: no purchase."""
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON account_move "
                "(company_id, commercial_partner_id, invoice_date) "
                "INCLUDE (amount_untaxed_signed, id) "
                "WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund') "
                "AND b2b_is_membership_fee IS NOT TRUE",
                SQL.identifier("account_move_b2b_purchase_spend_idx"),
            )
        )

    @api.model
    def _get_tier_card_domain(self, date):
        """Cards whose tier the engine keeps up to date on ``date``: active cards
        of running programs that have tiers."""
        return [
            ("state", "=", "active"),
            ("program_id.program_type", "in", TIERED_PROGRAM_TYPES),
            ("program_id.active", "=", True),
            "|",
            ("program_id.date_from", "=", False),
            ("program_id.date_from", "<=", date),
            "|",
            ("program_id.date_to", "=", False),
            ("program_id.date_to", ">=", date),
        ]

    @api.model
    def _get_spend_window(self, program, date):
        """Window of ``program``'s spend on ``date``: ``(start, date)``, where
        documents dated after ``start`` (excluded) and up to ``date`` (included)
        count. ``start`` is ``date`` minus ``spend_period_months`` months, so a
        document dated exactly that many months ago no longer counts, one dated
        a day later does; ``start`` is False when the window is all time."""
        if not program.spend_period_months:
            return False, date
        return date - relativedelta(months=program.spend_period_months), date

    @api.model
    def _get_spend_query(self, program, partner_ids, date):
        """SQL returning ``(partner_id, amount)``: qualifying spend in ``program``
        on ``date`` of the commercial partners ``partner_ids``, in company
        currency: untaxed amount of their posted customer invoices minus posted
        credit notes, all contacts included, within the window, cashback
        redemption lines and membership fees (with their credit notes) left
        out; only the lines of products under the program's categories when it
        has some.

        Hook: override to change what counts (keep it one set-based query)."""
        start, end = self._get_spend_window(program, date)
        partner_ids = sorted(partner_ids)
        conditions = [
            SQL(
                "move.company_id IN %s",
                program.company_id._b2b_get_document_companies_sql(),
            ),
            SQL("move.state = 'posted'"),
            SQL("move.move_type IN ('out_invoice', 'out_refund')"),
            # A membership fee is no purchase, nor is its refund a return.
            SQL("move.b2b_is_membership_fee IS NOT TRUE"),
            SQL("move.commercial_partner_id = ANY(%s)", partner_ids),
            # Redundant, but it lets the planner read the spend index over this
            # range of customers only (the nightly batches are ranges).
            SQL(
                "move.commercial_partner_id BETWEEN %s AND %s",
                partner_ids[0],
                partner_ids[-1],
            ),
            SQL("move.invoice_date <= %s", end),
        ]
        if start:
            conditions.append(SQL("move.invoice_date > %s", start))
        if not program.product_category_ids:
            # Cashback spent on a document pays for it, it is not less bought:
            # its redemption lines (debits, rare: read through their index) are
            # added back to the untaxed amount.
            return SQL(
                """SELECT partner_id, SUM(amount) AS amount
                     FROM (SELECT move.commercial_partner_id AS partner_id,
                                  move.amount_untaxed_signed AS amount
                             FROM account_move move
                            WHERE %(conditions)s
                        UNION ALL
                           SELECT move.commercial_partner_id, line.balance
                             FROM account_move_line line
                             JOIN account_move move ON move.id = line.move_id
                            WHERE line.b2b_reward_kind = 'cashback'
                              AND %(conditions)s) document
                 GROUP BY partner_id""",
                conditions=SQL(" AND ").join(conditions),
            )
        categories = program._get_eligible_categories()
        # Income lines are credits: minus the balance is the untaxed amount in
        # company currency, negative on credit notes.
        return SQL(
            """SELECT move.commercial_partner_id AS partner_id,
                      -SUM(line.balance) AS amount
                 FROM account_move move
                 JOIN account_move_line line ON line.move_id = move.id
                 JOIN product_product product ON product.id = line.product_id
                 JOIN product_template template
                      ON template.id = product.product_tmpl_id
                WHERE %s
                  AND line.display_type = 'product'
                  AND line.b2b_reward_kind IS NULL
                  AND template.categ_id = ANY(%s)
             GROUP BY move.commercial_partner_id""",
            SQL(" AND ").join(conditions),
            categories.ids,
        )

    @api.model
    def _flush_spend_sources(self):
        """Write pending ORM changes the spend queries read."""
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "commercial_partner_id",
                "invoice_date",
                "amount_untaxed_signed",
                "b2b_is_membership_fee",
            ]
        )
        self.env["account.move.line"].flush_model(
            ["move_id", "display_type", "product_id", "balance", "b2b_reward_kind"]
        )
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        self.flush_model(
            [
                "program_id",
                "partner_id",
                "state",
                "spent_amount",
                "tier_id",
                "tier_reached_date",
            ]
        )

    def _recompute_tiers(self, date=None, initial=False):
        """Recompute spend and tier of the cards in ``self`` as of ``date``
        (default today) and record the tier changes; their notices (chatter
        note, mail, activity) are sent by their own job right after.

        Queries: one listing the cards by program, one per program joining its
        aggregate to its cards, one UPDATE of the cards that changed; plus, only
        when tiers change, the creation of their history. Never a query per
        card. ``initial``: the cards were just created, their first tier is
        recorded as such (noted on the card, not mailed).
        """
        if not self:
            return self.env["loyalty.b2b.tier.history"]
        date = date or fields.Date.context_today(self)
        self._flush_spend_sources()
        self.env.cr.execute(
            SQL(
                """SELECT program_id, array_agg(id), array_agg(DISTINCT partner_id)
                     FROM loyalty_b2b_card
                    WHERE id = ANY(%s)
                 GROUP BY program_id""",
                self.ids,
            )
        )
        by_program = {
            program_id: (card_ids, partner_ids)
            for program_id, card_ids, partner_ids in self.env.cr.fetchall()
        }
        programs = self.env["loyalty.b2b.program"].browse(by_program)
        states = []
        for program in programs.filtered(
            lambda p: p.program_type in TIERED_PROGRAM_TYPES
        ):
            card_ids, partner_ids = by_program[program.id]
            spend_query = self._get_spend_query(program, partner_ids, date)
            # Amounts come as whole numbers of the currency's rounding unit,
            # rounded half away from zero in exact decimal arithmetic.
            rounding = program.currency_id.rounding
            self.env.cr.execute(
                SQL(
                    """SELECT card.id, card.partner_id, card.company_id,
                              ROUND(COALESCE(card.spent_amount, 0) / %s)::bigint,
                              card.tier_id, card.tier_reached_date,
                              ROUND(COALESCE(spend.amount, 0) / %s)::bigint
                         FROM loyalty_b2b_card card
                    LEFT JOIN (%s) spend ON spend.partner_id = card.partner_id
                        WHERE card.id = ANY(%s)""",
                    rounding,
                    rounding,
                    spend_query,
                    card_ids,
                )
            )
            states.append((program, self.env.cr.fetchall()))
        return self._apply_spend(states, date, initial=initial)

    def _apply_written_spend(self):
        """A spend written through the ORM (corrections, tests): move the tiers
        accordingly, as the engine would."""
        date = fields.Date.context_today(self)
        states = []
        for program, cards in self.grouped("program_id").items():
            if program.program_type not in TIERED_PROGRAM_TYPES:
                continue
            rounding = program.currency_id.rounding
            rows = []
            for card in cards:
                units = int(
                    float_round(card.spent_amount / rounding, precision_digits=0)
                )
                rows.append(
                    (
                        card.id,
                        card.partner_id.id,
                        card.company_id.id,
                        units,
                        card.tier_id.id,
                        card.tier_reached_date,
                        units,
                    )
                )
            states.append((program, rows))
        return self._apply_spend(states, date)

    def _apply_spend(self, states, date, initial=False):
        """Store new spends and the tiers they give (see tier_rules), through
        the ORM: cards with the same new values share one write, and the flush
        sends them in one UPDATE per batch.

        :param states: ``[(program, rows)]`` with rows ``(card id, partner id,
            company id, stored spend, stored tier id, stored reached date, new
            spend)``, spends as whole numbers of the rounding unit of the
            program's currency (cents): compared exactly, as compare_amounts
            would, without its cost for each card
        :return: the tier history rows created
        """
        updates = []
        history_vals = []
        for program, rows in states:
            rounding = program.currency_id.rounding
            tiers = program.tier_ids.sorted("min_amount")
            tier_ids = tiers.ids
            rank = {tier_id: index for index, tier_id in enumerate(tier_ids)}
            thresholds = [
                int(float_round(tier.min_amount / rounding, precision_digits=0))
                for tier in tiers
            ]
            for row in rows:
                card_id, partner_id, company_id, old_units, old_tier_id = row[:5]
                old_reached, units = row[5:]
                new_rank, is_downgrade = decide_tier_rank(
                    thresholds,
                    units,
                    rank.get(old_tier_id),  # None: no tier of this program
                    old_reached,
                    date,
                    hold_end_date(old_reached, program.tier_hold_months),
                )
                tier_id = tier_ids[new_rank] if new_rank >= 0 else None
                if tier_id == old_tier_id and units == old_units:
                    continue
                spend = float_round(units * rounding, precision_rounding=rounding)
                if tier_id == old_tier_id:
                    updates.append((card_id, spend, tier_id, old_reached))
                    continue
                updates.append((card_id, spend, tier_id, date))
                if initial and not old_tier_id:
                    change = "initial"
                elif is_downgrade:
                    change = "downgrade"
                else:
                    change = "upgrade"
                history_vals.append(
                    {
                        "card_id": card_id,
                        "program_id": program.id,
                        "partner_id": partner_id,
                        "company_id": company_id,
                        "date": date,
                        "old_tier_id": old_tier_id,
                        "new_tier_id": tier_id,
                        "change": change,
                        "spent_amount": spend,
                    }
                )
        if not updates:
            return self.env["loyalty.b2b.tier.history"]
        by_values = defaultdict(list)
        for card_id, spend, tier_id, reached_date in updates:
            by_values[spend, tier_id, reached_date].append(card_id)
        # sudo: the engine runs for whoever posts an invoice, on the cards its
        # caller selected; spend and tier are the engine's to write.
        cards = self.sudo().with_context(tracking_disable=True)
        # What writing a spend reads (its currency), for all cards at once.
        cards.browse([update[0] for update in updates]).fetch(["company_id"])
        for (spend, tier_id, reached_date), card_ids in by_values.items():
            cards.browse(card_ids).write(
                {
                    "spent_amount": spend,
                    "tier_id": tier_id,
                    "tier_reached_date": reached_date,
                }
            )
        if not history_vals:
            return self.env["loyalty.b2b.tier.history"]
        # sudo: the engine runs for whoever posts an invoice; the history is
        # its own record of what it did. Chatter notes, mails and activities
        # follow in their own job (see loyalty.b2b.tier.history).
        history = self.env["loyalty.b2b.tier.history"].sudo().create(history_vals)
        history._trigger_notices()
        return history

    @api.model
    def _cron_recompute_tiers(
        self, batch_size=TIER_BATCH_SIZE, auto_commit=None, date=None
    ):
        """Nightly: recompute every tiered card, as the spend windows move.

        Batches of ``batch_size`` cards, each one transaction (set-based, see
        ``_recompute_tiers``), with progress reported to the scheduler.
        ``auto_commit`` (default: not under test) commits after each batch;
        ``date``: the day to compute for, default today.
        """
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        today = date or fields.Date.context_today(self)
        # By customer: each batch is a range of customers, whose documents
        # the spend aggregate reads from one range of its index.
        card_ids = self.search(
            self._get_tier_card_domain(today), order="partner_id, id"
        ).ids
        done, total = 0, len(card_ids)
        cron = self.env["ir.cron"]
        cron._notify_progress(done=0, remaining=total)
        for batch in split_every(batch_size, card_ids, self.browse):
            batch._recompute_tiers(today)
            done += len(batch)
            cron._notify_progress(done=done, remaining=total - done)
            if auto_commit:
                # One transaction per batch: a failure or a timeout later in
                # the night keeps the batches already done (the scheduler sees
                # the progress), the card rows of a batch stay locked only for
                # one batch (an invoice posted meanwhile for one of its
                # customers waits that long at most), and the notices job can
                # start on the changes already recorded. The recomputation is
                # idempotent: a batch redone after a crash does no harm.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        return done


class AccountMove(models.Model):
    _inherit = "account.move"

    def init(self):
        # Once every column of account_move exists (the index reads some of
        # this module's).
        res = super().init()
        self.env["loyalty.b2b.card"]._create_spend_index()
        return res
