"""What the benchmark scripts share: booting Odoo from this repository, and
finding, vacuuming and dropping their databases."""

import contextlib
import logging


def boot_odoo(addons_path, *odoo_args):
    """Odoo configured for a benchmark: this add-on path, no demo data, warnings
    only; ``odoo_args``: more command-line options (``--db_host``…)."""
    import odoo
    from odoo.tools import config

    config.parse_config(
        [
            f"--addons-path={addons_path}",
            "--log-level=warn",
            "--without-demo=all",
            *odoo_args,
        ]
    )
    odoo.netsvc.init_logger()
    logging.getLogger("odoo").setLevel(logging.WARNING)
    return odoo


def database_exists(odoo, name):
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def vacuum_analyze(odoo, name, tables=""):
    """VACUUM ANALYZE ``tables`` (all by default): fresh statistics and the
    visibility map that index-only scans rely on, as autovacuum would give a
    live database. VACUUM cannot run in a transaction: autocommit."""
    with contextlib.closing(odoo.sql_db.db_connect(name).cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(f"VACUUM ANALYZE {tables}")
