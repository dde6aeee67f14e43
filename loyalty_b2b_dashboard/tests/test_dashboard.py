import json
import re

from odoo import Command, fields
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

# The spreadsheet functions that read a pivot or a list, and their id argument.
PIVOT_FORMULA = re.compile(r'PIVOT(?:\.VALUE|\.HEADER)?\((\d+)(?:,"([^"#][^"]*)")?')
LIST_FORMULA = re.compile(r'ODOO\.LIST\((\d+),\d+,"([^"]+)"\)')


@tagged("post_install", "-at_install")
class TestDashboard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyalty = cls.env.ref("loyalty_b2b_dashboard.spreadsheet_dashboard_loyalty")
        cls.liability = cls.env.ref(
            "loyalty_b2b_dashboard.spreadsheet_dashboard_cashback_liability"
        )
        cls.group = cls.env.ref(
            "loyalty_b2b_dashboard.spreadsheet_dashboard_group_loyalty"
        )
        cls.loyalty_user = new_test_user(
            cls.env, login="dashboard_loyalty_user", groups="base.group_user"
        )
        cls.loyalty_user.groups_id |= cls.env.ref("loyalty_b2b.group_loyalty_b2b_user")
        cls.loyalty_manager = new_test_user(
            cls.env, login="dashboard_loyalty_manager", groups="base.group_user"
        )
        cls.loyalty_manager.groups_id |= cls.env.ref(
            "loyalty_b2b.group_loyalty_b2b_manager"
        )

    def _check_path(self, model, path, what):
        """Every field of the dotted ``path`` exists, from ``model`` on."""
        for name in path.split("."):
            self.assertIn(name, self.env[model]._fields, f"{what}: {model}.{name}")
            model = self.env[model]._fields[name].comodel_name or model

    def _check_domain(self, model, domain, what):
        for leaf in domain:
            if isinstance(leaf, list):
                self._check_path(model, leaf[0], what)

    def _check_spreadsheet(self, dashboard):
        """Every pivot, list, chart and filter names existing models and fields,
        and every formula an existing pivot, list, measure or column."""
        data = json.loads(dashboard.spreadsheet_data)
        self.assertEqual(data["version"], 21)
        filters = {f["id"]: f for f in data["globalFilters"]}
        for gfilter in filters.values():
            if gfilter["type"] == "relation":
                self.assertIn(gfilter["modelName"], self.env)
        for pivot_id, pivot in data["pivots"].items():
            self._check_pivot(pivot, filters, f"{dashboard.name} pivot {pivot_id}")
        for list_id, spec in data["lists"].items():
            self._check_list(spec, filters, f"{dashboard.name} list {list_id}")
        for sheet in data["sheets"]:
            self._check_formulas(data, sheet, dashboard.name)
            for figure in sheet["figures"]:
                self._check_chart(data, figure, f"{dashboard.name} {figure['id']}")
        return data

    def _check_pivot(self, pivot, filters, what):
        model = pivot["model"]
        self.assertIn(model, self.env, what)
        for measure in pivot["measures"]:
            self._check_path(model, measure["fieldName"], what)
        for dimension in pivot["rows"] + pivot["columns"]:
            self._check_path(model, dimension["fieldName"], what)
        self._check_domain(model, pivot["domain"], what)
        for filter_id, matching in pivot["fieldMatching"].items():
            self.assertIn(filter_id, filters, what)
            self._check_path(model, matching["chain"], what)

    def _check_list(self, spec, filters, what):
        self.assertIn(spec["model"], self.env, what)
        for name in spec["columns"] + [order["name"] for order in spec["orderBy"]]:
            self._check_path(spec["model"], name, what)
        self._check_domain(spec["model"], spec["domain"], what)
        for filter_id, matching in spec["fieldMatching"].items():
            self.assertIn(filter_id, filters, what)
            self._check_path(spec["model"], matching["chain"], what)

    def _check_formulas(self, data, sheet, dashboard_name):
        measures = {
            pivot_id: {measure["id"] for measure in pivot["measures"]}
            for pivot_id, pivot in data["pivots"].items()
        }
        for ref, cell in sheet["cells"].items():
            content = cell["content"]
            what = f"{dashboard_name} {sheet['name']}!{ref}"
            for pivot_id, measure in PIVOT_FORMULA.findall(content):
                self.assertIn(pivot_id, measures, what)
                if measure:
                    self.assertIn(measure, measures[pivot_id], what)
            for list_id, column in LIST_FORMULA.findall(content):
                self.assertIn(column, data["lists"][list_id]["columns"], what)

    def _check_chart(self, data, figure, what):
        chart = figure["data"]
        if chart["type"].startswith("odoo_"):
            model = chart["metaData"]["resModel"]
            self._check_path(model, chart["metaData"]["measure"], what)
            for groupby in chart["metaData"]["groupBy"]:
                self._check_path(model, groupby.split(":")[0], what)
        # The other charts read ranges of this spreadsheet's sheets.
        sheet_names = {sheet["name"] for sheet in data["sheets"]}
        ranges = [chart.get(key) for key in ("keyValue", "baseline", "labelRange")]
        ranges += [dataset["dataRange"] for dataset in chart.get("dataSets", [])]
        for cell_range in filter(None, ranges):
            self.assertIn(cell_range.split("!")[0], sheet_names, what)

    def _read_pivots(self, data, user):
        """Run each pivot's query as ``user``, as the dashboard does."""
        for pivot in data["pivots"].values():
            model = self.env[pivot["model"]].with_user(user)
            groupby = [
                ":".join(filter(None, [d["fieldName"], d.get("granularity")]))
                for d in pivot["rows"] + pivot["columns"]
            ]
            aggregates = [
                f"{m['fieldName']}:{m['aggregator']}" for m in pivot["measures"]
            ]
            model._read_group(pivot["domain"], groupby, aggregates)
        for spec in data["lists"].values():
            order = ", ".join(
                f"{o['name']} {'asc' if o['asc'] else 'desc'}" for o in spec["orderBy"]
            )
            self.env[spec["model"]].with_user(user).search_read(
                spec["domain"], spec["columns"], order=order, limit=10
            )

    def test_dashboards_in_loyalty_group(self):
        self.assertEqual(self.group.name, "Loyalty")
        self.assertEqual(
            self.group.dashboard_ids.sorted("sequence"), self.loyalty | self.liability
        )
        self.assertEqual(
            self.loyalty.group_ids,
            self.env.ref("loyalty_b2b.group_loyalty_b2b_user")
            | self.env.ref("loyalty_b2b.group_loyalty_b2b_manager"),
        )
        self.assertIn(
            self.env.ref("loyalty_b2b.group_loyalty_b2b_manager"),
            self.liability.group_ids,
        )
        # A loyalty user (salesperson) has no access to the liability report:
        # it sees the Loyalty dashboard only.
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertEqual(
            Dashboard.with_user(self.loyalty_user).search(
                [("dashboard_group_id", "=", self.group.id)]
            ),
            self.loyalty,
        )
        self.assertEqual(
            Dashboard.with_user(self.loyalty_manager).search(
                [("dashboard_group_id", "=", self.group.id)]
            ),
            self.loyalty | self.liability,
        )

    def test_loyalty_dashboard_models_and_fields(self):
        data = self._check_spreadsheet(self.loyalty)
        self.assertEqual(
            {pivot["model"] for pivot in data["pivots"].values()},
            {"loyalty.b2b.analysis"},
        )
        self._read_pivots(data, self.loyalty_user)

    def test_top_lists_sorted_by_amount(self):
        """Top 10 tables read their pivot's first rows: the pivot must be sorted
        on one of its own measures (the spreadsheet matches it by id), the
        largest first."""
        for dashboard in self.loyalty | self.liability:
            data = json.loads(dashboard.spreadsheet_data)
            for pivot in data["pivots"].values():
                top = pivot["name"].lower().startswith("top")
                if not top and not pivot.get("sortedColumn"):
                    continue
                with self.subTest(dashboard=dashboard.name, pivot=pivot["name"]):
                    sort = pivot.get("sortedColumn") or {}
                    self.assertIn(
                        sort.get("measure"),
                        {measure["id"] for measure in pivot["measures"]},
                    )
                    self.assertEqual(sort.get("order"), "desc")

    def test_liability_dashboard_models_and_fields(self):
        data = self._check_spreadsheet(self.liability)
        self.assertEqual(
            {pivot["model"] for pivot in data["pivots"].values()},
            {"loyalty.b2b.liability.report"},
        )
        self._read_pivots(data, self.loyalty_manager)

    def test_readonly_dashboard(self):
        """What the Dashboards app loads: the snapshot, in the user's locale."""
        for dashboard, user in [
            (self.loyalty, self.loyalty_user),
            (self.liability, self.loyalty_manager),
        ]:
            answer = dashboard.with_user(user).get_readonly_dashboard()
            self.assertNotIn("is_sample", answer)
            snapshot = answer["snapshot"]
            self.assertEqual(
                [sheet["name"] for sheet in snapshot["sheets"]], ["Dashboard", "Data"]
            )
            self.assertEqual(snapshot["settings"]["locale"]["code"], "en_US")
            self.assertEqual(
                answer["default_currency"]["code"], self.env.company.currency_id.name
            )


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def _invoice(self, company, customer, amount):
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": fields.Date.context_today(self.env.user),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Tour goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    def test_loyalty_dashboard_tour(self):
        company = self.env.ref("base.main_company")
        if not company.b2b_liability_account_id:
            self.skipTest("The main company has no chart of accounts.")
        new_test_user(
            self.env,
            login="tour_dashboard_manager",
            groups="base.group_user,loyalty_b2b.group_loyalty_b2b_manager",
        )
        Partner = self.env["res.partner"]
        volume_customer = Partner.create(
            {"name": "Tour Dashboard Volume Customer", "is_company": True}
        )
        cashback_customer = Partner.create(
            {"name": "Tour Dashboard Cashback Customer", "is_company": True}
        )
        Program = self.env["loyalty.b2b.program"]
        volume = Program.create(
            {
                "name": "Tour Dashboard Volume",
                "program_type": "accumulative",
                "company_id": company.id,
                "tier_ids": [
                    Command.create(
                        {"name": "Silver", "min_amount": 0, "discount_percent": 3}
                    )
                ],
            }
        )
        cashback = Program.create(
            {
                "name": "Tour Dashboard Cashback",
                "program_type": "cashback",
                "company_id": company.id,
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                    )
                ],
            }
        )
        Card = self.env["loyalty.b2b.card"]
        Card.create({"program_id": volume.id, "partner_id": volume_customer.id})
        cashback_card = Card.create(
            {"program_id": cashback.id, "partner_id": cashback_customer.id}
        )
        self._invoice(company, volume_customer, 1500.0)
        self._invoice(company, cashback_customer, 1000.0)
        # 2 % of 1,000.00 = 20.00 of cashback, owed to the cashback customer.
        self.assertEqual(cashback_card.cashback_balance, 20.0)
        # This year (no other card of a fresh test database spent): 2 active
        # cards, spend 1,500.00 + 1,000.00 = 2,500.00, cashback earned 20.00;
        # owed 20.00 per the ledger and per the liability account.
        self.start_tour(
            "/odoo/dashboards",
            "loyalty_b2b_dashboard_tour",
            login="tour_dashboard_manager",
        )
