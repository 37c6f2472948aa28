"""PyFlink's ``udf``/``udtf`` decorators and function base classes.

The decorators return wrappers with the attributes of PyFlink's own wrappers
(``UserDefinedScalarFunctionWrapper``, ``UserDefinedTableFunctionWrapper``), which is all
Sluice's worker reads.
"""

import functools
import inspect


class FunctionContext(object):
    """What ``open`` receives: the job parameters (``get_job_parameter``)."""

    def __init__(self, base_metric_group, job_parameters, task_name=None,
                 task_name_with_subtasks=None, number_of_parallel_subtasks=1,
                 max_number_of_parallel_subtasks=128, index_of_this_subtask=0,
                 attempt_number=0):
        self._base_metric_group = base_metric_group
        self._job_parameters = job_parameters or {}
        self._task_name = task_name
        self._task_name_with_subtasks = task_name_with_subtasks
        self._number_of_parallel_subtasks = number_of_parallel_subtasks
        self._max_number_of_parallel_subtasks = max_number_of_parallel_subtasks
        self._index_of_this_subtask = index_of_this_subtask
        self._attempt_number = attempt_number

    def get_metric_group(self):
        raise RuntimeError("Sluice does not expose metric groups to Python functions")

    def get_job_parameter(self, key, default_value):
        return self._job_parameters.get(key, default_value)

    def get_task_name(self):
        return self._task_name

    def get_task_name_with_subtasks(self):
        return self._task_name_with_subtasks

    def get_number_of_parallel_subtasks(self):
        return self._number_of_parallel_subtasks

    def get_max_number_of_parallel_subtasks(self):
        return self._max_number_of_parallel_subtasks

    def get_index_of_this_subtask(self):
        return self._index_of_this_subtask

    def get_attempt_number(self):
        return self._attempt_number


class UserDefinedFunction(object):
    def open(self, function_context):
        pass

    def close(self):
        pass

    def is_deterministic(self):
        return True


class ScalarFunction(UserDefinedFunction):
    pass


class TableFunction(UserDefinedFunction):
    pass


class UserDefinedFunctionWrapper(object):
    def __init__(self, func, input_types, func_type, deterministic=None, name=None):
        if inspect.isclass(func) or (
                not isinstance(func, UserDefinedFunction) and not callable(func)):
            raise TypeError(
                "Invalid function: not a function or callable (__call__ is not defined): {0}"
                .format(type(func)))
        if input_types is not None and not isinstance(input_types, (list, tuple)):
            input_types = [input_types]
        self._func = func
        self._input_types = list(input_types) if input_types is not None else None
        self._name = name or getattr(func, "__name__", func.__class__.__name__)
        self._deterministic = deterministic if deterministic is not None else (
            func.is_deterministic() if isinstance(func, UserDefinedFunction) else True)
        self._func_type = func_type

    def __call__(self, *args):
        # Outside a query (in a plain Python test), call the function itself.
        f = self._func
        if isinstance(f, UserDefinedFunction):
            f = f.eval
        return f(*args)


class UserDefinedScalarFunctionWrapper(UserDefinedFunctionWrapper):
    def __init__(self, func, input_types, result_type, func_type, deterministic, name):
        super(UserDefinedScalarFunctionWrapper, self).__init__(
            func, input_types, func_type, deterministic, name)
        self._result_type = result_type


class UserDefinedTableFunctionWrapper(UserDefinedFunctionWrapper):
    def __init__(self, func, input_types, result_types, deterministic=None, name=None):
        super(UserDefinedTableFunctionWrapper, self).__init__(
            func, input_types, "general", deterministic, name)
        if not isinstance(result_types, (list, tuple)):
            result_types = [result_types]
        self._result_types = list(result_types)


def _create_udf(f, input_types, result_type, func_type, deterministic, name):
    return UserDefinedScalarFunctionWrapper(
        f, input_types, result_type, func_type, deterministic, name)


def _create_udtf(f, input_types, result_types, deterministic, name):
    return UserDefinedTableFunctionWrapper(f, input_types, result_types, deterministic, name)


def udf(f=None, input_types=None, result_type=None, deterministic=None, name=None,
        func_type="general"):
    """Makes a scalar function: ``@udf(result_type=DataTypes.BIGINT())``."""
    if func_type not in ("general", "pandas"):
        raise ValueError("The func_type must be one of 'general, pandas', got %s." % func_type)
    if f is None:
        return functools.partial(_create_udf, input_types=input_types, result_type=result_type,
                                 func_type=func_type, deterministic=deterministic, name=name)
    return _create_udf(f, input_types, result_type, func_type, deterministic, name)


def udtf(f=None, input_types=None, result_types=None, deterministic=None, name=None):
    """Makes a table function: ``@udtf(result_types=[DataTypes.BIGINT()])``."""
    if f is None:
        return functools.partial(_create_udtf, input_types=input_types,
                                 result_types=result_types, deterministic=deterministic,
                                 name=name)
    return _create_udtf(f, input_types, result_types, deterministic, name)
