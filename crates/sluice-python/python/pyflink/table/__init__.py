"""``pyflink.table`` as far as a UDF module needs it: ``DataTypes`` and ``Row``."""

from pyflink.table.types import DataTypes, DataType, Row, RowField  # noqa: F401
from pyflink.table.udf import (  # noqa: F401
    FunctionContext, ScalarFunction, TableFunction, udf, udtf,
)
