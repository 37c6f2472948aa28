"""Flink's logical data types, with PyFlink's class and attribute names.

Only what a UDF declares is here: the types, their nullability, and ``Row``.
"""

MAX_LENGTH = 0x7FFFFFFF


class DataType(object):
    def __init__(self, nullable=True):
        self._nullable = nullable

    def __repr__(self):
        return "%s(%s)" % (self.__class__.__name__, str(self._nullable).lower())

    def __str__(self):
        return self.__class__.type_name()

    def __eq__(self, other):
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash(repr(self))

    @classmethod
    def type_name(cls):
        return cls.__name__[:-4].upper()

    def not_null(self):
        import copy
        cp = copy.copy(self)
        cp._nullable = False
        return cp

    def nullable(self):
        import copy
        cp = copy.copy(self)
        cp._nullable = True
        return cp


class NullType(DataType):
    def __init__(self):
        super(NullType, self).__init__(True)


class BooleanType(DataType):
    pass


class TinyIntType(DataType):
    pass


class SmallIntType(DataType):
    pass


class IntType(DataType):
    pass


class BigIntType(DataType):
    pass


class FloatType(DataType):
    pass


class DoubleType(DataType):
    pass


class DateType(DataType):
    pass


class _Length(DataType):
    def __init__(self, length=1, nullable=True):
        super(_Length, self).__init__(nullable)
        self.length = length


class CharType(_Length):
    pass


class VarCharType(_Length):
    pass


class BinaryType(_Length):
    pass


class VarBinaryType(_Length):
    pass


class DecimalType(DataType):
    def __init__(self, precision=10, scale=0, nullable=True):
        super(DecimalType, self).__init__(nullable)
        self.precision = precision
        self.scale = scale


class _Precision(DataType):
    def __init__(self, precision=6, nullable=True):
        super(_Precision, self).__init__(nullable)
        self.precision = precision


class TimeType(_Precision):
    pass


class TimestampType(_Precision):
    pass


class LocalZonedTimestampType(_Precision):
    pass


class ArrayType(DataType):
    def __init__(self, element_type, nullable=True):
        super(ArrayType, self).__init__(nullable)
        self.element_type = element_type


class MapType(DataType):
    def __init__(self, key_type, value_type, nullable=True):
        super(MapType, self).__init__(nullable)
        self.key_type = key_type
        self.value_type = value_type


class RowField(object):
    def __init__(self, name, data_type, description=None):
        self.name = name
        self.data_type = data_type
        self.description = description


class RowType(DataType):
    def __init__(self, fields=None, nullable=True):
        super(RowType, self).__init__(nullable)
        self.fields = list(fields or [])


class DataTypes(object):
    """PyFlink's ``DataTypes`` factory."""

    @staticmethod
    def NULL():
        return NullType()

    @staticmethod
    def CHAR(length, nullable=True):
        return CharType(length, nullable)

    @staticmethod
    def VARCHAR(length, nullable=True):
        return VarCharType(length, nullable)

    @staticmethod
    def STRING(nullable=True):
        return VarCharType(MAX_LENGTH, nullable)

    @staticmethod
    def BOOLEAN(nullable=True):
        return BooleanType(nullable)

    @staticmethod
    def BINARY(length, nullable=True):
        return BinaryType(length, nullable)

    @staticmethod
    def VARBINARY(length, nullable=True):
        return VarBinaryType(length, nullable)

    @staticmethod
    def BYTES(nullable=True):
        return VarBinaryType(MAX_LENGTH, nullable)

    @staticmethod
    def DECIMAL(precision, scale, nullable=True):
        return DecimalType(precision, scale, nullable)

    @staticmethod
    def TINYINT(nullable=True):
        return TinyIntType(nullable)

    @staticmethod
    def SMALLINT(nullable=True):
        return SmallIntType(nullable)

    @staticmethod
    def INT(nullable=True):
        return IntType(nullable)

    @staticmethod
    def BIGINT(nullable=True):
        return BigIntType(nullable)

    @staticmethod
    def FLOAT(nullable=True):
        return FloatType(nullable)

    @staticmethod
    def DOUBLE(nullable=True):
        return DoubleType(nullable)

    @staticmethod
    def DATE(nullable=True):
        return DateType(nullable)

    @staticmethod
    def TIME(precision=0, nullable=True):
        return TimeType(precision, nullable)

    @staticmethod
    def TIMESTAMP(precision=6, nullable=True):
        return TimestampType(precision, nullable)

    @staticmethod
    def TIMESTAMP_LTZ(precision=6, nullable=True):
        return LocalZonedTimestampType(precision, nullable)

    TIMESTAMP_WITH_LOCAL_TIME_ZONE = TIMESTAMP_LTZ

    @staticmethod
    def ARRAY(element_type, nullable=True):
        return ArrayType(element_type, nullable)

    @staticmethod
    def MAP(key_type, value_type, nullable=True):
        return MapType(key_type, value_type, nullable)

    @staticmethod
    def ROW(row_fields=(), nullable=True):
        return RowType(row_fields, nullable)

    @staticmethod
    def FIELD(name, data_type, description=None):
        return RowField(name, data_type, description)


class Row(tuple):
    """PyFlink's ``Row``: a tuple, optionally with field names (``Row(a=1, b=2)``)."""

    def __new__(cls, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Can not use both args and kwargs to create Row")
        if kwargs:
            row = tuple.__new__(cls, list(kwargs.values()))
            row._fields = list(kwargs.keys())
            return row
        return tuple.__new__(cls, args)

    def as_dict(self):
        return dict(zip(getattr(self, "_fields", []), self))
