#!/usr/bin/env python3
"""Benchmark of the loyalty_b2b tier engine on real Odoo 18 + PostgreSQL.

Usage (from the repository root)::

    python3 scripts/bench_tiers.py -d DB [--companies 10000 --lines 1000000]

``DB`` is created, loyalty_b2b installed in it, and dropped at the end when it
does not exist yet (``--keep`` keeps it). An existing database must have
loyalty_b2b installed and a company with a chart of accounts; the benchmark's
data are then deleted at the end.

Data are loaded with plain SQL (INSERT ... SELECT over generate_series), not the
ORM, so that a million invoice lines take seconds: ``--companies`` customer
companies with one contact each (who receives loyalty mail), posted customer
invoices and credit notes (10 %) of 4 lines each (2 products, tax,
receivable), spread over the last 24 months and split between the companies
and their contacts, in ``account_move`` / ``account_move_line`` with the columns
the spend aggregate reads plus the ones the tables require; and one
accumulating-discount card per company (Silver from 0, Gold from 15,000,
Platinum from 25,000, 12-month window).

It prints:

* the full recomputation (the nightly scheduled action's method, one commit
  per batch) of every card: time, SQL queries, tier changes; once from
  zero spend (every card changes), then the next night (the window moved one
  day), then the same night again (nothing changes);
* peak memory of the full recomputation: Python allocations (tracemalloc,
  measured on a separate run) and the process's peak RSS;
* the bare aggregate: the engine's spend query for all cards in one statement,
  without the ORM (the floor), and the ratio to it;
* the incremental update paid by posting one invoice: time of the update alone,
  and posting with and without it (medians), and its queries;
* the same full recomputation when the program counts product categories only
  (aggregate over invoice lines instead of invoices).
"""

import argparse
import contextlib
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta

from bench_common import boot_odoo, database_exists, vacuum_analyze

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_REF = "loyalty_b2b_bench"
LINES_PER_INVOICE = 4
# What the spend queries read, vacuumed after loading.
SPEND_TABLES = "account_move, account_move_line, loyalty_b2b_card, res_partner"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--companies", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--postings", type=int, default=40)
    parser.add_argument("--addons-path", default=REPO)
    parser.add_argument("--keep", action="store_true", help="keep a created database")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each measure (median)"
    )
    return parser.parse_args()


def create_database(odoo, name):
    odoo.service.db._create_empty_database(name)
    odoo.tools.config["init"] = {"loyalty_b2b": 1}
    odoo.modules.registry.Registry.new(name, update_module=True)
    odoo.tools.config["init"] = {}


def median_run(timers):
    """The run of median duration."""
    return sorted(timers, key=lambda timer: timer.seconds)[len(timers) // 2]


class Timer:
    def __init__(self, odoo):
        self.odoo = odoo

    def __enter__(self):
        self.queries = self.odoo.sql_db.sql_counter
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.queries = self.odoo.sql_db.sql_counter - self.queries


class Bench:
    def __init__(self, odoo, registry, args):
        self.odoo = odoo
        self.registry = registry
        self.args = args
        self.rng = random.Random(args.seed)

    def env(self, cr):
        return self.odoo.api.Environment(cr, self.odoo.SUPERUSER_ID, {})

    @contextlib.contextmanager
    def step(self, label):
        start = time.perf_counter()
        yield
        self.load_steps.append((label, time.perf_counter() - start))

    # -- data ---------------------------------------------------------------

    def load(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env["res.company"].search(
                [("chart_template", "!=", False)], limit=1
            )
            if not company:
                sys.exit("No company with a chart of accounts in this database.")
            self.company = company
            self.today = self.odoo.fields.Date.context_today(env["res.partner"])
            journal = env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
            )
            income = journal.default_account_id
            accounts = env["account.account"].with_company(company)
            tax_account = accounts.search(
                [
                    *accounts._check_company_domain(company),
                    ("account_type", "=", "liability_current"),
                ],
                limit=1,
            )
            receivable = accounts.search(
                [
                    *accounts._check_company_domain(company),
                    ("account_type", "=", "asset_receivable"),
                ],
                limit=1,
            )
            categ_tools = env["product.category"].create({"name": f"{BENCH_REF} tools"})
            categ_other = env["product.category"].create({"name": f"{BENCH_REF} other"})
            products = env["product.product"].create(
                [
                    {
                        "name": f"{BENCH_REF} drill",
                        "categ_id": categ_tools.id,
                        "default_code": BENCH_REF,
                        "lst_price": 500.0,
                    },
                    {
                        "name": f"{BENCH_REF} paper",
                        "categ_id": categ_other.id,
                        "default_code": BENCH_REF,
                        "lst_price": 500.0,
                    },
                ]
            )
            program = env["loyalty.b2b.program"].create(
                {
                    "name": f"{BENCH_REF} volume",
                    "program_type": "accumulative",
                    "company_id": company.id,
                    "spend_period_months": 12,
                    "tier_ids": [
                        self.odoo.Command.create(
                            {"name": "Silver", "min_amount": 0, "discount_percent": 3}
                        ),
                        self.odoo.Command.create(
                            {"name": "Gold", "min_amount": 15000, "discount_percent": 7}
                        ),
                        self.odoo.Command.create(
                            {
                                "name": "Platinum",
                                "min_amount": 25000,
                                "discount_percent": 10,
                            }
                        ),
                    ],
                }
            )
            self.program_id = program.id
            self.categ_tools_id = categ_tools.id
            self.silver_id = program.tier_ids.sorted("min_amount")[0].id
            self.product_ids = products.ids
            cr.commit()

            t0 = time.perf_counter()
            self.load_steps = []
            # Companies, then one contact each: the contact receives loyalty mail.
            with self.step("partners"):
                self._load_partners(cr)
            company_ids, contact_ids = self.company_ids, self.contact_ids
            with self.step("documents"):
                self._load_documents(cr, company, journal, company_ids, contact_ids)
            with self.step("lines"):
                self._load_lines(
                    cr, company, journal, company_ids, income, tax_account, receivable
                )
            with self.step("cards"):
                self._load_cards(cr, company, program, company_ids)
            cr.execute(
                "SELECT count(*) FROM account_move_line aml JOIN account_move m"
                " ON m.id = aml.move_id WHERE m.name LIKE 'BENCH/%%'"
            )
            self.line_count = cr.fetchone()[0]
            cr.commit()
            self.load_seconds = time.perf_counter() - t0
        vacuum_analyze(self.odoo, self.registry.db_name, SPEND_TABLES)

    def _load_partners(self, cr):
        cr.execute(
            """
            INSERT INTO res_partner (name, complete_name, is_company, active, type,
                   ref, lang, autopost_bills, create_uid, write_uid, create_date,
                   write_date)
            SELECT 'Bench customer ' || n, 'Bench customer ' || n, true, true,
                   'contact', %(ref)s, 'en_US', 'ask', 1, 1, now(), now()
              FROM generate_series(1, %(count)s) n
         RETURNING id
            """,
            {"ref": BENCH_REF, "count": self.args.companies},
        )
        company_ids = sorted(row[0] for row in cr.fetchall())
        cr.execute(
            """
            UPDATE res_partner SET commercial_partner_id = id
             WHERE id = ANY(%(ids)s);
            INSERT INTO res_partner (name, complete_name, parent_id,
                   commercial_partner_id, is_company, active, type, ref, lang,
                   email, b2b_loyalty_mail, autopost_bills, create_uid, write_uid,
                   create_date, write_date)
            SELECT 'Buyer', p.name || ', Buyer', p.id, p.id, false, true,
                   'contact', %(ref)s, 'en_US', 'buyer' || p.id || '@bench.example',
                   true, 'ask', 1, 1, now(), now()
              FROM res_partner p
             WHERE p.id = ANY(%(ids)s)
             ORDER BY p.id
            """,
            {"ref": BENCH_REF, "ids": company_ids},
        )
        cr.execute(
            "SELECT id FROM res_partner WHERE parent_id = ANY(%s) ORDER BY parent_id",
            [company_ids],
        )
        contact_ids = [row[0] for row in cr.fetchall()]
        self.company_ids, self.contact_ids = company_ids, contact_ids

    def _load_documents(self, cr, company, journal, company_ids, contact_ids):
        invoices = self.args.lines // LINES_PER_INVOICE
        # One row per document: customer (index k), date within 24 months,
        # the two product amounts; ids taken from the move sequence.
        cr.execute(
            """
            CREATE TEMP TABLE bench_doc ON COMMIT DROP AS
            SELECT nextval('account_move_id_seq')::int AS move_id, n, k,
                   by_contact, is_refund, invoice_date,
                   round((50 + r1 * 900)::numeric, 2) AS amount_a,
                   round((50 + r2 * 900)::numeric, 2) AS amount_b
              FROM (SELECT n,
                           1 + floor(random() * %(companies)s)::int AS k,
                           random() < 0.5 AS by_contact,
                           random() < 0.1 AS is_refund,
                           %(today)s::date - floor(random() * 730)::int
                               AS invoice_date,
                           random() AS r1, random() AS r2
                      FROM generate_series(1, %(invoices)s) n) AS raw
             ORDER BY invoice_date, n
            """,
            {
                "companies": self.args.companies,
                "today": self.today,
                "invoices": invoices,
            },
        )
        cr.execute(
            """
            INSERT INTO account_move (id, name, journal_id, company_id, currency_id,
                   partner_id, commercial_partner_id, move_type, state, auto_post,
                   date, invoice_date, amount_untaxed, amount_untaxed_signed,
                   amount_total, amount_total_signed, create_uid, write_uid,
                   create_date, write_date)
            SELECT d.move_id, 'BENCH/' || d.n, %(journal)s, %(company)s,
                   %(currency)s,
                   CASE WHEN d.by_contact THEN (%(contacts)s::int[])[d.k]
                        ELSE (%(companies)s::int[])[d.k] END,
                   (%(companies)s::int[])[d.k],
                   CASE WHEN d.is_refund THEN 'out_refund' ELSE 'out_invoice' END,
                   'posted', 'no', d.invoice_date, d.invoice_date,
                   d.amount_a + d.amount_b,
                   CASE WHEN d.is_refund THEN -1 ELSE 1 END
                       * (d.amount_a + d.amount_b),
                   round((d.amount_a + d.amount_b) * 1.15, 2),
                   CASE WHEN d.is_refund THEN -1 ELSE 1 END
                       * round((d.amount_a + d.amount_b) * 1.15, 2),
                   1, 1, now(), now()
              FROM bench_doc d
             ORDER BY d.move_id
            """,
            {
                "journal": journal.id,
                "company": company.id,
                "currency": company.currency_id.id,
                "contacts": contact_ids,
                "companies": company_ids,
            },
        )

    def _load_lines(
        self, cr, company, journal, company_ids, income, tax_account, receivable
    ):
        cr.execute(
            """
            INSERT INTO account_move_line (move_id, company_id, journal_id,
                   currency_id, account_id, partner_id, product_id, display_type,
                   date, invoice_date, parent_state, balance, debit, credit,
                   amount_currency, name, create_uid, write_uid, create_date,
                   write_date)
            SELECT d.move_id, %(company)s, %(journal)s, %(currency)s, l.account_id,
                   (%(companies)s::int[])[d.k], l.product_id, l.display_type,
                   d.invoice_date, d.invoice_date, 'posted', l.balance,
                   GREATEST(l.balance, 0), GREATEST(-l.balance, 0), l.balance,
                   l.display_type, 1, 1, now(), now()
              FROM bench_doc d
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN d.is_refund THEN -1 ELSE 1 END AS sign,
                          round((d.amount_a + d.amount_b) * 0.15, 2) AS tax
                   ) s
             CROSS JOIN LATERAL (VALUES
                   (%(income)s, %(product_a)s, 'product', -s.sign * d.amount_a),
                   (%(income)s, %(product_b)s, 'product', -s.sign * d.amount_b),
                   (%(tax_account)s, NULL, 'tax', -s.sign * s.tax),
                   (%(receivable)s, NULL, 'payment_term',
                    s.sign * (d.amount_a + d.amount_b + s.tax))
                   ) AS l(account_id, product_id, display_type, balance)
             ORDER BY d.move_id
            """,
            {
                "company": company.id,
                "journal": journal.id,
                "currency": company.currency_id.id,
                "companies": company_ids,
                "income": income.id,
                "tax_account": tax_account.id,
                "receivable": receivable.id,
                "product_a": self.product_ids[0],
                "product_b": self.product_ids[1],
            },
        )

    def _load_cards(self, cr, company, program, company_ids):
        # One card per company, at the lowest tier as a card issued before
        # its company's first invoice.
        cr.execute(
            """
            INSERT INTO loyalty_b2b_card (name, program_id, partner_id, company_id,
                   state, issue_date, spent_amount, tier_id, tier_reached_date,
                   discount_percent, cashback_percent,
                   create_uid, write_uid, create_date, write_date)
            SELECT 'BENCH-' || lpad(k::text, 7, '0'), %(program)s,
                   (%(companies)s::int[])[k], %(company)s, 'active',
                   %(today)s::date - 800, 0, %(silver)s,
                   %(today)s::date - 800, 3, 0, 1, 1, now(), now()
              FROM generate_series(1, %(count)s) k
            """,
            {
                "program": program.id,
                "companies": company_ids,
                "company": company.id,
                "silver": self.silver_id,
                "today": self.today,
                "count": self.args.companies,
            },
        )

    def reset_cards(self, cr):
        """Back to the loaded state: zero spend, lowest tier, no history."""
        cr.execute(
            """
            DELETE FROM mail_activity WHERE res_model = 'loyalty.b2b.card'
               AND res_id IN (SELECT id FROM loyalty_b2b_card WHERE program_id = %(p)s);
            DELETE FROM mail_message WHERE model = 'loyalty.b2b.card'
               AND res_id IN (SELECT id FROM loyalty_b2b_card WHERE program_id = %(p)s);
            DELETE FROM mail_message WHERE model = 'loyalty.b2b.tier.history'
               AND res_id IN (SELECT id FROM loyalty_b2b_tier_history
                               WHERE program_id = %(p)s);
            DELETE FROM loyalty_b2b_tier_history WHERE program_id = %(p)s;
            UPDATE loyalty_b2b_card SET spent_amount = 0, tier_id = %(silver)s,
                   tier_reached_date = %(today)s::date - 800, discount_percent = 3
             WHERE program_id = %(p)s;
            """,
            {"p": self.program_id, "silver": self.silver_id, "today": self.today},
        )
        cr.commit()

    def reset(self):
        with self.registry.cursor() as cr:
            self.reset_cards(cr)
        # Between two nights autovacuum would have cleaned the updated rows.
        vacuum_analyze(self.odoo, self.registry.db_name, "loyalty_b2b_card")

    def cleanup(self):
        """Delete what the benchmark created (existing database only)."""
        with self.registry.cursor() as cr:
            self.reset_cards(cr)
            cr.execute(
                """
                DELETE FROM loyalty_b2b_card WHERE program_id = %(p)s;
                DELETE FROM loyalty_b2b_program WHERE id = %(p)s;
                DELETE FROM account_move_line WHERE move_id IN
                       (SELECT id FROM account_move WHERE name LIKE 'BENCH/%%');
                DELETE FROM account_move WHERE name LIKE 'BENCH/%%';
                DELETE FROM res_partner WHERE ref = %(ref)s AND parent_id IS NOT NULL;
                DELETE FROM res_partner WHERE ref = %(ref)s;
                """,
                {"p": self.program_id, "ref": BENCH_REF},
            )
            env = self.env(cr)
            products = env["product.product"].browse(self.product_ids)
            templates = products.product_tmpl_id
            categories = products.categ_id
            products.unlink()
            templates.unlink()
            categories.unlink()
            cr.commit()

    # -- measures -----------------------------------------------------------

    def recompute_all(self, date, batch_size):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            kwargs = {"auto_commit": True, "date": date}
            if batch_size:
                kwargs["batch_size"] = batch_size
            cr.execute("SELECT max(id) FROM loyalty_b2b_tier_history")
            last_history = cr.fetchone()[0] or 0
            cr.commit()
            with Timer(self.odoo) as timer:
                cards = env["loyalty.b2b.card"]._cron_recompute_tiers(**kwargs)
                cr.commit()
            cr.execute(
                "SELECT change, count(*) FROM loyalty_b2b_tier_history"
                " WHERE id > %s GROUP BY change ORDER BY change",
                [last_history],
            )
            timer.changes = dict(cr.fetchall())
            timer.cards = cards
            return timer

    def send_notices(self):
        """The notices of the changes (upgrade mails, downgrade activities),
        sent by their own scheduled action, one commit per batch."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            with Timer(self.odoo) as timer:
                timer.count = env["loyalty.b2b.tier.history"]._cron_notify_tier_changes(
                    auto_commit=True
                )
                cr.commit()
            return timer

    def bare_aggregate(self, date):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            program = env["loyalty.b2b.program"].browse(self.program_id)
            cr.execute(
                "SELECT array_agg(partner_id) FROM loyalty_b2b_card"
                " WHERE program_id = %s",
                [self.program_id],
            )
            partner_ids = cr.fetchone()[0]
            query = env["loyalty.b2b.card"]._get_spend_query(program, partner_ids, date)
            times = []
            for _attempt in range(5):
                start = time.perf_counter()
                cr.execute(query)
                rows = cr.fetchall()
                times.append(time.perf_counter() - start)
            return statistics.median(times), len(rows)

    def memory(self, date, batch_size):
        self.reset()
        tracemalloc.start()
        self.recompute_all(date, batch_size)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak

    def incremental(self):
        """Post invoices one by one, alternately with and without the tier
        update; everything is rolled back."""
        odoo = self.odoo
        with self.registry.cursor() as cr:
            env = self.env(cr)
            AccountMove = env.registry["account.move"]
            cr.execute(
                "SELECT partner_id FROM loyalty_b2b_card WHERE program_id = %s",
                [self.program_id],
            )
            partner_ids = self.rng.sample(
                [r[0] for r in cr.fetchall()], self.args.postings
            )
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner_id,
                        "invoice_date": self.today,
                        "invoice_line_ids": [
                            odoo.Command.create(
                                {
                                    "product_id": self.product_ids[0],
                                    "quantity": 1 + index % 5,
                                }
                            )
                        ],
                    }
                    for index, partner_id in enumerate(partner_ids)
                ]
            )
            env.flush_all()
            original = AccountMove._b2b_refresh_card_tiers
            hook_times, hook_queries = [], []

            def timed_refresh(records):
                # What posting wrote so far is flushed first: the update's own
                # cost only is timed.
                records.env.flush_all()
                with Timer(odoo) as timer:
                    original(records)
                    records.env.flush_all()
                hook_times.append(timer.seconds)
                hook_queries.append(timer.queries)

            def no_refresh(records):
                return None

            with_hook, without_hook = [], []
            try:
                for index, move in enumerate(moves):
                    enabled = index % 2 == 0
                    AccountMove._b2b_refresh_card_tiers = (
                        timed_refresh if enabled else no_refresh
                    )
                    start = time.perf_counter()
                    move.action_post()
                    env.flush_all()
                    (with_hook if enabled else without_hook).append(
                        time.perf_counter() - start
                    )
            finally:
                AccountMove._b2b_refresh_card_tiers = original
                cr.rollback()
            return {
                "hook": statistics.median(hook_times),
                "hook_queries": statistics.median(hook_queries),
                "with": statistics.median(with_hook),
                "without": statistics.median(without_hook),
            }

    def set_categories(self, categ_ids):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env["loyalty.b2b.program"].browse(self.program_id).product_category_ids = [
                self.odoo.Command.set(categ_ids)
            ]
            cr.commit()
        self.reset()


def main():
    args = parse_args()
    odoo = boot_odoo(args.addons_path)
    db = args.database
    created = not database_exists(odoo, db)
    if created:
        print(
            f"Creating database {db} with loyalty_b2b (about a minute)...", flush=True
        )
        create_database(odoo, db)
    registry = odoo.modules.registry.Registry(db)
    bench = Bench(odoo, registry, args)
    loaded = False
    try:
        print(
            f"Loading {args.companies} companies, {args.lines} invoice lines...",
            flush=True,
        )
        bench.load()
        loaded = True
        today = bench.today
        tomorrow = today + timedelta(days=1)
        batch = args.batch_size
        from odoo.addons.loyalty_b2b.models.loyalty_b2b_card_tier import (
            TIER_BATCH_SIZE,
        )

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Each run is repeated (medians are printed): the machine is shared.
        runs = {"cold": [], "nightly": [], "same": []}
        for repetition in range(args.repeat):
            if repetition:
                bench.reset()
            runs["cold"].append(bench.recompute_all(today, batch))
            if not repetition:
                cold_notices = bench.send_notices()
            runs["nightly"].append(bench.recompute_all(tomorrow, batch))
            if not repetition:
                nightly_notices = bench.send_notices()
            runs["same"].append(bench.recompute_all(tomorrow, batch))
        cold, nightly, same = (median_run(runs[key]) for key in runs)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        floor, partners_with_spend = bench.bare_aggregate(tomorrow)
        peak = bench.memory(today, batch)
        incremental = bench.incremental()
        bench.set_categories([bench.categ_tools_id])
        categ_runs = {"cold": [], "nightly": []}
        for repetition in range(args.repeat):
            if repetition:
                bench.reset()
            categ_runs["cold"].append(bench.recompute_all(today, batch))
            categ_runs["nightly"].append(bench.recompute_all(tomorrow, batch))
        categ_cold, categ_nightly = (median_run(categ_runs[key]) for key in categ_runs)
        categ_floor, _rows = bench.bare_aggregate(tomorrow)
    finally:
        if loaded and not created:
            bench.cleanup()
        if created and not args.keep:
            odoo.sql_db.close_all()
            odoo.service.db.exp_drop(db)

    def line(label, timer, reference):
        changes = ", ".join(f"{n} {k}" for k, n in timer.changes.items()) or "none"
        return (
            f"{label:<44}{timer.seconds:8.3f} s {timer.queries:6d} queries "
            f"{timer.seconds / reference:6.1f}x floor  tier changes: {changes}"
        )

    print()
    print(
        f"Data: {args.companies} cards/companies, {bench.line_count} invoice lines "
        f"({bench.line_count // LINES_PER_INVOICE} documents), loaded in "
        f"{bench.load_seconds:.1f} s ("
        + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in bench.load_steps)
        + f"); batch size {batch or TIER_BATCH_SIZE}; {os.cpu_count()} CPUs"
    )
    print(f"Medians of {args.repeat} runs (bare aggregate: of 5)")
    print(
        f"Bare aggregate (floor), all cards, one query: {floor:.3f} s "
        f"({partners_with_spend} customers with spend)"
    )
    print(line("Full recomputation from zero spend", cold, floor))
    print(
        f"  then its notices (mails, activities), own job: "
        f"{cold_notices.seconds:.3f} s "
        f"for {cold_notices.count} changes, {cold_notices.queries} queries"
    )
    print(line("Full recomputation, next night", nightly, floor))
    print(
        f"  then its notices (mails, activities), own job: "
        f"{nightly_notices.seconds:.3f} s for {nightly_notices.count} changes, "
        f"{nightly_notices.queries} queries"
    )
    print(line("Full recomputation, nothing changed", same, floor))
    print(
        f"Peak memory of a full recomputation: {peak / 2**20:.1f} MiB Python "
        f"(tracemalloc); process peak RSS {rss_after / 1024:.0f} MiB "
        f"(+{(rss_after - rss_before) / 1024:.0f} MiB during the runs)"
    )
    print(
        f"Incremental update per invoice posting: {incremental['hook'] * 1000:.1f} ms, "
        f"{incremental['hook_queries']:.0f} queries (median of "
        f"{(args.postings + 1) // 2}); posting {incremental['with'] * 1000:.1f} ms "
        f"with it, {incremental['without'] * 1000:.1f} ms without"
    )
    print(f"Category program: bare aggregate {categ_floor:.3f} s")
    print(line("  full recomputation from zero spend", categ_cold, categ_floor))
    print(line("  full recomputation, next night", categ_nightly, categ_floor))


if __name__ == "__main__":
    main()
