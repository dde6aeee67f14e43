from . import loyalty_b2b_liability_report
from . import loyalty_b2b_statement_report
from . import loyalty_b2b_analysis
from . import loyalty_b2b_analysis_month
