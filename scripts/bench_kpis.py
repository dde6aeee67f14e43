#!/usr/bin/env python3
"""Benchmark of the loyalty_b2b program measures on real Odoo 18 + PostgreSQL.

Usage (from the repository root)::

    python3 scripts/bench_kpis.py -d DB [--companies 10000 --lines 1000000]

The data are the tier benchmark's (``bench_tiers.py``: ``--companies`` customer
companies with one accumulating-discount card each, ``--lines`` invoice lines
over 24 months, loaded with plain SQL), then one nightly tier recomputation so
that cards have their tiers and the tier history its changes. ``DB`` is created
with loyalty_b2b (and its Dashboards bridge when found on the add-ons path) and
dropped at the end unless ``--keep``; with ``--keep`` a second run on the same
database reuses the loaded data.

It prints, for each analysis view's default grouping (what the pivot, graph and
list ask on opening), each figure of the Loyalty dashboard (each pivot of its
spreadsheet, as the spreadsheet asks it) and the program's headline figures,
the median time through the ORM beside the bare aggregate: the same sums in one
plain SQL statement on the source tables, without the ORM (the floor).
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta

from bench_common import boot_odoo, database_exists, vacuum_analyze
from bench_tiers import BENCH_REF, Bench

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARD_FILE = os.path.join(
    REPO, "loyalty_b2b_dashboard", "data", "files", "loyalty_dashboard.json"
)
# The targets of the issue, printed beside each figure.
VIEW_TARGET = 1.0
DASHBOARD_TARGET = 2.0

# Bare aggregate beside the analysis view's figures: spend, documents and
# active customers per month straight from the invoices.
BARE_MONTHLY_SPEND = """
    SELECT date_trunc('month', move.invoice_date) AS month,
           SUM(move.amount_untaxed_signed), COUNT(*),
           COUNT(DISTINCT move.commercial_partner_id)
      FROM account_move move
      JOIN loyalty_b2b_card card ON card.partner_id = move.commercial_partner_id
     WHERE move.state = 'posted'
       AND move.move_type IN ('out_invoice', 'out_refund')
       AND card.program_id = %(program)s
     GROUP BY 1
"""
BARE_SPEND_BY_COMPANY = """
    SELECT move.commercial_partner_id, SUM(move.amount_untaxed_signed), COUNT(*)
      FROM account_move move
      JOIN loyalty_b2b_card card ON card.partner_id = move.commercial_partner_id
     WHERE move.state = 'posted'
       AND move.move_type IN ('out_invoice', 'out_refund')
       AND card.program_id = %(program)s
     GROUP BY 1
"""
BARE_TIER_CHANGES = """
    SELECT date_trunc('month', date), change, COUNT(*)
      FROM loyalty_b2b_tier_history
     GROUP BY 1, 2
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--companies", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--addons-path", default=REPO)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure")
    return parser.parse_args()


def modules_to_install():
    modules = ["loyalty_b2b"]
    if os.path.isdir(os.path.join(REPO, "loyalty_b2b_dashboard")):
        modules.append("loyalty_b2b_dashboard")
    return modules


def create_database(odoo, name, modules):
    odoo.service.db._create_empty_database(name)
    odoo.tools.config["init"] = dict.fromkeys(modules, 1)
    odoo.modules.registry.Registry.new(name, update_module=True)
    odoo.tools.config["init"] = {}


def median_seconds(function, repeat):
    times = []
    for _attempt in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class KpiBench:
    def __init__(self, odoo, registry, args):
        self.odoo = odoo
        self.registry = registry
        self.args = args
        self.rows = []

    def env(self, cr):
        return self.odoo.api.Environment(cr, self.odoo.SUPERUSER_ID, {})

    def loaded_program_id(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM loyalty_b2b_program WHERE name->>'en_US' = %s",
                [f"{BENCH_REF} volume"],
            )
            row = cr.fetchone()
            return row and row[0]

    def load(self):
        bench = Bench(self.odoo, self.registry, self.args)
        print(
            f"Loading {self.args.companies} companies, {self.args.lines} invoice "
            "lines, then one tier recomputation...",
            flush=True,
        )
        bench.load()
        bench.recompute_all(bench.today, None)
        vacuum_analyze(self.odoo, self.registry.db_name)
        return bench.program_id

    def measure(self, group, label, through_orm, bare_sql=None, bare_params=None):
        """Median time of ``through_orm(env)`` and of ``bare_sql``, each in a
        fresh transaction (the ORM's caches start cold, as for a user)."""
        repeat = self.args.repeat

        def orm_run():
            with self.registry.cursor() as cr:
                through_orm(self.env(cr))

        seconds = median_seconds(orm_run, repeat)
        bare = None
        if bare_sql:

            def bare_run():
                with self.registry.cursor() as cr:
                    cr.execute(bare_sql, bare_params or {})
                    cr.fetchall()

            bare = median_seconds(bare_run, repeat)
        self.rows.append((group, label, seconds, bare))

    def print_rows(self):
        print()
        for label, seconds, months, rows in getattr(self, "refresh_runs", []):
            print(
                f"Snapshot of past months, {label}: {seconds:.1f} s, "
                f"{months} months refreshed, {rows} rows stored"
            )
        print(f"Medians of {self.args.repeat} runs, seconds")
        print(f"{'':<62}{'ORM':>8}{'bare':>8}{'ratio':>7}  target")
        for group, label, seconds, bare in self.rows:
            target = VIEW_TARGET if group == "view" else DASHBOARD_TARGET
            verdict = "ok" if seconds <= target else "SLOW"
            bare_text = f"{bare:8.3f}" if bare is not None else f"{'-':>8}"
            ratio = f"{seconds / bare:6.1f}x" if bare else f"{'':>7}"
            print(
                f"{label:<62}{seconds:8.3f}{bare_text}{ratio}"
                f"  <= {target:.0f} s {verdict}"
            )


def dashboard_pivots():
    """The pivots of the Loyalty dashboard's spreadsheet: (name, model,
    domain, measures, group-bys)."""
    if not os.path.exists(DASHBOARD_FILE):
        return []
    with open(DASHBOARD_FILE, encoding="utf-8") as handle:
        data = json.load(handle)
    pivots = []
    for pivot in data.get("pivots", {}).values():
        measures = [
            f"{measure.get('fieldName', measure.get('name'))}:"
            f"{measure.get('aggregator') or 'sum'}"
            for measure in pivot.get("measures", [])
            if measure.get("fieldName", measure.get("name")) != "__count"
        ]
        groupbys = [
            dimension.get("fieldName", dimension.get("name"))
            + (f":{dimension['granularity']}" if dimension.get("granularity") else "")
            for dimension in [*pivot.get("rows", []), *pivot.get("columns", [])]
        ]
        pivots.append(
            (
                pivot.get("name", ""),
                pivot["model"],
                pivot.get("domain", []),
                measures,
                groupbys,
            )
        )
    return pivots


def main():
    args = parse_args()
    odoo = boot_odoo(args.addons_path)
    db = args.database
    created = not database_exists(odoo, db)
    if created:
        modules = modules_to_install()
        print(f"Creating database {db} with {', '.join(modules)}...", flush=True)
        create_database(odoo, db, modules)
    registry = odoo.modules.registry.Registry(db)
    bench = KpiBench(odoo, registry, args)
    try:
        program_id = bench.loaded_program_id()
        if not program_id:
            if not created and not args.keep:
                sys.exit(
                    f"Database {db} exists without the benchmark's data: give a new "
                    "name, or --keep to load them into it."
                )
            program_id = bench.load()
        run(odoo, bench, program_id)
    finally:
        bench.print_rows()
        if created and not args.keep:
            odoo.sql_db.close_all()
            odoo.service.db.exp_drop(db)


def refresh_snapshot(odoo, bench):
    """The nightly refresh of the analysis's past months: the first run fills
    every month of history, the second is an ordinary night."""
    runs = []
    for label in ("first run (all history)", "next run (a night)"):
        with bench.registry.cursor() as cr:
            env = bench.env(cr)
            snapshot = env["loyalty.b2b.analysis.month"]
            start = time.perf_counter()
            months = snapshot._cron_refresh_past_months(auto_commit=True)
            seconds = time.perf_counter() - start
            cr.commit()
            cr.execute("SELECT COUNT(*) FROM loyalty_b2b_analysis_month")
            rows = cr.fetchone()[0]
        runs.append((label, seconds, len(months or []), rows))
    vacuum_analyze(odoo, bench.registry.db_name, "loyalty_b2b_analysis_month")
    return runs


def run(odoo, bench, program_id):
    bench.refresh_runs = refresh_snapshot(odoo, bench)
    today = odoo.fields.Date.today()
    year_ago = today - timedelta(days=365)
    analysis = "loyalty.b2b.analysis"
    measures = [
        "spend_amount:sum",
        "discount_amount:sum",
        "cashback_earned:sum",
        "active_card_id:count_distinct",
    ]
    bench.measure(
        "view",
        "Analysis, pivot: months x (spend, discounts, cashback, active)",
        lambda env: env[analysis].read_group(
            [("program_id", "=", program_id)], measures, ["date:month"], lazy=False
        ),
        BARE_MONTHLY_SPEND,
        {"program": program_id},
    )
    bench.measure(
        "view",
        "Analysis, graph: spend by month",
        lambda env: env[analysis].read_group(
            [("program_id", "=", program_id)],
            ["spend_amount:sum"],
            ["date:month"],
            lazy=False,
        ),
        BARE_MONTHLY_SPEND,
        {"program": program_id},
    )
    bench.measure(
        "view",
        "Analysis, list: first 80 rows and the count",
        lambda env: env[analysis].web_search_read(
            [("program_id", "=", program_id)],
            {
                "date": {},
                "partner_id": {"fields": {"display_name": {}}},
                "spend_amount": {},
                "discount_amount": {},
            },
            limit=80,
        ),
        BARE_MONTHLY_SPEND,
        {"program": program_id},
    )
    bench.measure(
        "view",
        "Tier changes, pivot: months x change",
        lambda env: env["loyalty.b2b.tier.history"].read_group(
            [], ["__count"], ["date:month", "change"], lazy=False
        ),
        BARE_TIER_CHANGES,
    )
    for name, model, domain, pivot_measures, groupbys in dashboard_pivots():
        if model == analysis:
            by_company = any(group.startswith("partner_id") for group in groupbys)
            bare = BARE_SPEND_BY_COMPANY if by_company else BARE_MONTHLY_SPEND
            params = {"program": program_id}
        else:
            bare, params = None, None

        def load_pivot(
            env,
            model=model,
            domain=domain,
            pivot_measures=pivot_measures,
            groupbys=groupbys,
        ):
            # The spreadsheet asks the totals, then each level of grouping.
            for depth in range(len(groupbys) + 1):
                env[model].read_group(
                    domain, pivot_measures or ["__count"], groupbys[:depth], lazy=False
                )

        bench.measure("dashboard", f"Dashboard: {name}", load_pivot, bare, params)
    bench.measure(
        "dashboard",
        "Program headline figures (12 months)",
        lambda env: (
            env["loyalty.b2b.program"]
            .browse(program_id)
            ._get_kpi_figures(year_ago, today)
        ),
        BARE_MONTHLY_SPEND,
        {"program": program_id},
    )
    bench.measure(
        "dashboard",
        "Does It Pay? wizard: effect figures (12 months, 6-month windows)",
        lambda env: (
            env["loyalty.b2b.program"]
            .browse(program_id)
            ._get_effect_figures(year_ago, today, months=6)
        ),
        BARE_MONTHLY_SPEND,
        {"program": program_id},
    )


if __name__ == "__main__":
    main()
