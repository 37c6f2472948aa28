"""Sluice's Python function worker.

Sluice starts one of these processes per Python function (and per job thread that calls
it) and exchanges whole Arrow record batches with it over its stdin and stdout. Every
message is a frame: one tag byte, a little-endian u32 length, then the payload.

  worker -> engine  D  describe: JSON, what the decorator declared
  engine -> worker  S  an Arrow IPC stream holding only the result schema
  worker -> engine  R  ready: ``open(FunctionContext)`` has run
  engine -> worker  B  an Arrow IPC stream with one batch of argument columns
  worker -> engine  B  an Arrow IPC stream with one batch: the result column(s)
  worker -> engine  E  JSON: an exception, with the row's arguments and the traceback

The function's module is imported from the folders of ``python.files`` (and the current
folder). When PyFlink itself is not importable, Sluice's small ``pyflink`` shim (beside
this file) is put on the path, so a module written for PyFlink runs unchanged. Anything the
function prints goes to stderr, which Sluice logs: stdout carries only frames.
"""

import importlib
import json
import os
import struct
import sys
import traceback

HEADER = struct.Struct("<cI")


def read_exact(stream, n):
    data = stream.read(n)
    if data is None or len(data) < n:
        return None
    return data


def read_frame(stream):
    header = read_exact(stream, HEADER.size)
    if header is None:
        return None, None
    tag, length = HEADER.unpack(header)
    payload = read_exact(stream, length) if length else b""
    if payload is None:
        return None, None
    return tag, payload


def write_frame(out, tag, payload):
    out.write(HEADER.pack(tag, len(payload)))
    out.write(payload)
    out.flush()


def send_error(out, kind, message, row=None, tb=None):
    body = {"kind": kind, "message": message}
    if row is not None:
        body["row"] = row
    if tb is not None:
        body["traceback"] = tb
    write_frame(out, b"E", json.dumps(body).encode("utf-8"))


def sql_type(t):
    """The SQL text of a PyFlink (or shim) data type, or of a type given as a string."""
    if isinstance(t, str):
        return t
    name = t.__class__.__name__
    nullable = getattr(t, "_nullable", True)
    suffix = "" if nullable else " NOT NULL"
    simple = {
        "NullType": "NULL", "BooleanType": "BOOLEAN", "TinyIntType": "TINYINT",
        "SmallIntType": "SMALLINT", "IntType": "INT", "BigIntType": "BIGINT",
        "FloatType": "FLOAT", "DoubleType": "DOUBLE", "DateType": "DATE",
    }
    if name in simple:
        return simple[name] + suffix
    if name in ("VarCharType", "CharType", "VarBinaryType", "BinaryType"):
        length = t.length
        if name == "VarCharType" and length == 0x7FFFFFFF:
            return "STRING" + suffix
        if name == "VarBinaryType" and length == 0x7FFFFFFF:
            return "BYTES" + suffix
        base = {"VarCharType": "VARCHAR", "CharType": "CHAR",
                "VarBinaryType": "VARBINARY", "BinaryType": "BINARY"}[name]
        return "%s(%d)%s" % (base, length, suffix)
    if name == "DecimalType":
        return "DECIMAL(%d, %d)%s" % (t.precision, t.scale, suffix)
    if name == "TimeType":
        return "TIME(%d)%s" % (t.precision, suffix)
    if name == "TimestampType":
        return "TIMESTAMP(%d)%s" % (t.precision, suffix)
    if name == "LocalZonedTimestampType":
        return "TIMESTAMP_LTZ(%d)%s" % (t.precision, suffix)
    if name == "ArrayType":
        return "ARRAY<%s>%s" % (sql_type(t.element_type), suffix)
    if name == "MapType":
        return "MAP<%s, %s>%s" % (sql_type(t.key_type), sql_type(t.value_type), suffix)
    if name == "RowType":
        fields = ", ".join("`%s` %s" % (f.name.replace("`", "``"), sql_type(f.data_type))
                           for f in t.fields)
        return "ROW<%s>%s" % (fields, suffix)
    raise TypeError("the data type %r has no SQL equivalent in Sluice" % (t,))


def import_pyflink_or_shim(shim_dir):
    try:
        import pyflink.table.udf  # noqa: F401
        return
    except ImportError:
        pass
    for key in [k for k in sys.modules if k == "pyflink" or k.startswith("pyflink.")]:
        del sys.modules[key]
    sys.path.insert(0, shim_dir)
    import pyflink.table.udf  # noqa: F401


def load(spec):
    for folder in reversed(spec["paths"]):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    import_pyflink_or_shim(spec["shim"])
    target = spec["target"]
    if "." not in target:
        raise ImportError("\"%s\" is not of the form 'module.function'" % target)
    module_name, attr = target.rsplit(".", 1)
    module = importlib.import_module(module_name)
    if not hasattr(module, attr):
        raise ImportError("module \"%s\" (%s) has no attribute \"%s\""
                          % (module_name, getattr(module, "__file__", "?"), attr))
    return getattr(module, attr)


def describe(wrapper):
    if hasattr(wrapper, "_result_types"):
        kind = "table"
        result = [sql_type(t) for t in wrapper._result_types]
    elif hasattr(wrapper, "_result_type") and hasattr(wrapper, "_func_type"):
        kind = "pandas" if wrapper._func_type == "pandas" else "scalar"
        if wrapper._result_type is None:
            raise TypeError("the function has no result_type: declare it with "
                            "@udf(result_type=DataTypes...)")
        result = [sql_type(wrapper._result_type)]
    else:
        raise TypeError("%r is not a PyFlink user-defined function: decorate it with "
                        "@udf(result_type=...) or @udtf(result_types=...)" % (wrapper,))
    inputs = None
    if getattr(wrapper, "_input_types", None) is not None:
        inputs = [sql_type(t) for t in wrapper._input_types]
    return {"kind": kind, "result_types": result, "input_types": inputs,
            "deterministic": bool(getattr(wrapper, "_deterministic", True))}


def read_batch(pa, payload):
    return pa.ipc.open_stream(pa.py_buffer(payload)).read_next_batch()


def batch_bytes(pa, batch):
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()


def user_traceback():
    """The current exception's traceback without the worker's own frame."""
    kind, value, tb = sys.exc_info()
    if tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return "".join(traceback.format_exception(kind, value, tb))


def row_repr(columns, i):
    return [repr(c[i]) for c in columns]


def call_scalar(pa, call, schema, batch):
    columns = [c.to_pylist() for c in batch.columns]
    out = []
    try:
        if columns:
            out.extend(map(call, *columns))
        else:
            out.extend(call() for _ in range(batch.num_rows))
    except Exception:
        return None, ("raised", row_repr(columns, len(out)), user_traceback())
    try:
        array = pa.array(out, type=schema.field(0).type)
    except Exception as e:
        for i, value in enumerate(out):
            try:
                pa.array([value], type=schema.field(0).type)
            except Exception:
                return None, ("result", row_repr(columns, i),
                              "returned %r, which is not of the declared result type: %s" % (value, e))
        return None, ("result", None, str(e))
    return pa.RecordBatch.from_arrays([array], schema=schema), None


def call_pandas(pa, call, schema, batch):
    series = [c.to_pandas(date_as_object=True) for c in batch.columns]
    try:
        result = call(*series)
    except Exception:
        return None, ("raised", None, user_traceback())
    try:
        array = pa.Array.from_pandas(result, type=schema.field(0).type)
    except Exception as e:
        return None, ("result", None, "returned %s, which is not a Series of the declared "
                      "result type: %s" % (type(result).__name__, e))
    if len(array) != batch.num_rows:
        return None, ("result", None, "returned %d values for %d rows"
                      % (len(array), batch.num_rows))
    return pa.RecordBatch.from_arrays([array], schema=schema), None


def call_table(pa, call, schema, batch):
    columns = [c.to_pylist() for c in batch.columns]
    width = len(schema) - 1
    index = []
    fields = [[] for _ in range(width)]
    i = 0
    try:
        for i, args in enumerate(zip(*columns)) if columns else enumerate(() for _ in range(batch.num_rows)):
            produced = call(*args)
            if produced is None:
                continue
            for row in produced:
                index.append(i)
                if width == 1 and not isinstance(row, (tuple, list)):
                    fields[0].append(row)
                else:
                    for f, v in zip(fields, row):
                        f.append(v)
    except Exception:
        return None, ("raised", row_repr(columns, i), user_traceback())
    try:
        arrays = [pa.array(index, type=schema.field(0).type)]
        arrays += [pa.array(f, type=schema.field(k + 1).type) for k, f in enumerate(fields)]
    except Exception as e:
        return None, ("result", None, "produced a row that is not of the declared result types: %s" % e)
    return pa.RecordBatch.from_arrays(arrays, schema=schema), None


def main():
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = os.fdopen(0, "rb")
    spec = json.loads(sys.argv[1])
    try:
        import pyarrow as pa
    except ImportError:
        send_error(out, "setup", "pyarrow is not installed for %s" % sys.executable)
        return 1
    try:
        wrapper = load(spec)
        description = describe(wrapper)
    except Exception as e:
        send_error(out, "setup", "%s: %s" % (type(e).__name__, e), tb=traceback.format_exc())
        return 1
    if description["kind"] == "pandas":
        try:
            import pandas  # noqa: F401
        except ImportError:
            send_error(out, "setup", "pandas is not installed for %s" % sys.executable)
            return 1
    write_frame(out, b"D", json.dumps(description).encode("utf-8"))
    tag, payload = read_frame(stdin)
    if tag != b"S":
        return 0
    schema = pa.ipc.open_stream(pa.py_buffer(payload)).schema
    func = wrapper._func
    call = func
    if hasattr(func, "eval") and hasattr(func, "open"):
        call = func.eval
    try:
        if hasattr(func, "open"):
            from pyflink.table.udf import FunctionContext
            func.open(FunctionContext(None, spec.get("job_parameters", {})))
    except Exception as e:
        send_error(out, "open", "%s: %s" % (type(e).__name__, e), tb=traceback.format_exc())
        return 1
    write_frame(out, b"R", b"")
    run = {"scalar": call_scalar, "pandas": call_pandas, "table": call_table}[description["kind"]]
    while True:
        tag, payload = read_frame(stdin)
        if tag is None:
            break
        batch = read_batch(pa, payload)
        result, error = run(pa, call, schema, batch)
        if error is not None:
            kind, row, detail = error
            if kind == "raised":
                send_error(out, kind, detail.strip().splitlines()[-1], row=row, tb=detail)
            else:
                send_error(out, kind, detail, row=row)
            continue
        write_frame(out, b"B", batch_bytes(pa, result))
    if hasattr(func, "close"):
        try:
            func.close()
        except Exception:
            traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
