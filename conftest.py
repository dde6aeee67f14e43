"""Make the test run fail on any WARNING or ERROR that Odoo logs during tests.

Expected errors are silenced in the tests themselves with ``mute_logger``, as in
Odoo's own suite, so anything that reaches this handler is a real problem.
"""

import logging

import pytest


class _OdooProblemCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


_collector = _OdooProblemCollector()


def pytest_configure(config):
    logging.getLogger("odoo").addHandler(_collector)


def pytest_sessionfinish(session, exitstatus):
    if _collector.records:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_sep("=", "Odoo logged warnings or errors", red=True)
        for record in _collector.records:
            reporter.write_line(
                f"{record.levelname} {record.name}: {record.getMessage()}"
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
