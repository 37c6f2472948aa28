"""Sluice's stand-in for the parts of PyFlink a UDF module imports.

Sluice puts this package on a Python worker's path only when the real PyFlink is not
importable, so that a module written for PyFlink (``from pyflink.table.udf import udf``,
``from pyflink.table import DataTypes``) runs unchanged. The wrappers keep PyFlink's
attribute names (``_func``, ``_result_type``, ``_func_type``, ...), so Sluice's worker reads
a function made here exactly as one made by PyFlink itself.
"""
