"""Bulk SQL the ORM is too slow for: INSERT and UPDATE of many rows in one statement per batch.

Generic (any model), so it lives in `org`; `referrals` (webhook batches, recomputes, earnings) and
every later programme's importers use it. Values go through each field's `get_db_prep_save` as the
ORM would do them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import islice

from django.db import connection, connections, models, router
from django.db.models.constants import OnConflict
from django.utils import timezone

_PLAIN = (str, int, bool, type(None))
_NEEDS_PREP = (models.DateTimeField, models.DateField, models.DecimalField, models.JSONField)


def _preparers(columns, conn) -> list:
    """Per column, how to turn a value into a database value. Text, integers, booleans and ids
    pass as they are (the driver adapts them); dates, decimals and JSON go through the field's
    `get_db_prep_save` as the ORM would. Preparing every value the ORM's way was a third of a
    webhook batch's CPU."""

    def prep(field):
        if isinstance(field, _NEEDS_PREP):
            return lambda v: None if v is None else field.get_db_prep_save(v, conn)
        return lambda v: v if type(v) in _PLAIN else field.get_db_prep_save(v, conn)

    return [prep(f) for f in columns]


def rows_insert(model, fields: list[str], rows: list[tuple], *, batch_size: int = 500, ignore_conflicts: bool = False) -> None:
    """INSERT `rows` (values in `fields` order) in one statement per batch, without building model
    instances: `bulk_create` spends most of its time preparing each field of each object.
    Values go through each field's `get_db_prep_save`, as the ORM would do. A UNIQUE violation
    raises IntegrityError like `bulk_create` (the caller relies on it), unless `ignore_conflicts`."""
    if not rows:
        return
    conn = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.get_field(f) for f in fields]
    qn = conn.ops.quote_name
    names = ", ".join(qn(f.column) for f in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    preparers = _preparers(columns, conn)
    prepared = [[p(v) for p, v in zip(preparers, row, strict=True)] for row in rows]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = conn.ops.insert_statement(on_conflict=on_conflict)
    tail = conn.ops.on_conflict_suffix_sql(columns, on_conflict, None, None)
    batch_size = max(1, min(batch_size, 30000 // len(columns)))  # under SQLite's variable limit
    with conn.cursor() as cursor:
        for start in range(0, len(prepared), batch_size):
            chunk = prepared[start : start + batch_size]
            sql = f"{head} {qn(meta.db_table)} ({names}) VALUES {', '.join([one] * len(chunk))} {tail}"
            cursor.execute(sql, [value for row in chunk for value in row])


def rows_insert_dicts(model, dicts: list[dict], *, ignore_conflicts: bool = False) -> None:
    """`rows_insert` of whole rows given as {attname: value}; every other column gets its field's
    default (auto_now fields: now), as `Model()` + `bulk_create` would give it."""
    if not dicts:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def value(f, d):
        if f.attname in d:
            return d[f.attname]
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return now
        return f.get_default()

    rows = [tuple(value(f, d) for f in fields) for d in dicts]
    rows_insert(model, [f.name for f in fields], rows, ignore_conflicts=ignore_conflicts)


def rows_update(model, objs: list, fields: list[str], *, batch_size: int = 500) -> None:
    """Write `fields` of `objs` back in one statement per batch.

    Django's `bulk_update` builds a CASE WHEN expression per field and object in Python, which
    costs ~10 ms per application here and made the webhook CPU-bound. This writes the same values
    with `UPDATE … FROM (VALUES …)` on PostgreSQL (one statement per batch) and a prepared
    `executemany` on SQLite (in-process, no round trips)."""
    if not objs:
        return
    conn = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.get_field(f) for f in fields]
    qn = conn.ops.quote_name
    table = qn(meta.db_table)
    preparers = list(zip(_preparers(columns, conn), [f.attname for f in columns], strict=True))
    rows = [[p(getattr(o, attname)) for p, attname in preparers] + [o.pk] for o in objs]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            names = ", ".join(f"c{i}" for i in range(len(columns)))
            assign = ", ".join(f"{qn(f.column)} = CAST(v.c{i} AS {f.db_type(conn)})" for i, f in enumerate(columns))
            one = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                sql = (
                    f"UPDATE {table} SET {assign} FROM (VALUES {', '.join([one] * len(chunk))}) AS v({names}, pk) "
                    f"WHERE {table}.{qn(meta.pk.column)} = CAST(v.pk AS bigint)"
                )
                cursor.execute(sql, [value for row in chunk for value in row])
        else:
            assign = ", ".join(f"{qn(f.column)} = %s" for f in columns)
            cursor.executemany(f"UPDATE {table} SET {assign} WHERE {qn(meta.pk.column)} = %s", rows)


def id_set_sql(ids: list[int], *, using: str = "default") -> tuple[str, list]:
    """A set of ids as a subquery with one parameter, whatever its size (a 20,000-element IN list
    costs more to build and plan than the query it feeds): `SELECT id FROM …`."""
    import json

    if connections[using].vendor == "postgresql":
        # One array literal ('{1,2,…}'): a Python list would be sent as ARRAY[1, 2, …], an expression
        # of 20,000 elements the planner parses one by one (70 ms of a scorecard's statement).
        return "SELECT unnest(%s::bigint[]) AS id", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return "SELECT CAST(value AS INTEGER) AS id FROM json_each(%s)", [json.dumps(list(ids))]


def in_ids(ids, *, using: str = "default"):
    """`filter(staff_id__in=in_ids(ids))`: the ids as one parameter (`id_set_sql`) instead of an IN
    list Django prepares value by value (4,476 loan officers: 30 ms per filter)."""
    from django.db.models.expressions import RawSQL

    return RawSQL(*id_set_sql(list(ids), using=using))


def db_decimal(value) -> Decimal:
    """A number a raw statement answered, as a Decimal (SQLite answers ints and floats, PostgreSQL
    Decimals; NULL is zero)."""
    if value is None:
        return Decimal(0)
    if type(value) is Decimal:
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


# --- COPY ---------------------------------------------------------------------------------------

COPY_CHUNK_ROWS = 100_000


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *, batch_size: int = 5_000, defer_indexes: bool = False) -> int:
    """Insert `rows` (tuples in the order of `columns`, field attnames such as `staff_id`; every
    other column must have a database default or allow NULL) into `model`'s table: COPY on
    PostgreSQL, batched bulk_create elsewhere. Returns the row count. A UNIQUE or foreign-key
    violation raises IntegrityError and nothing of the statement is kept.

    COPY skips per-row statement overhead entirely; it is what makes the regional bank load in
    minutes rather than hours, and a 200,000-customer list import in seconds. `defer_indexes`
    (the demo's bulk load only, never a live import: it takes the table's lock for DDL): on an
    empty table, drop its secondary indexes and foreign keys and rebuild them after the load."""
    if connection.vendor == "postgresql":
        return _copy_postgresql(model, columns, rows, defer_indexes=defer_indexes)
    total = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_size)):
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch], batch_size=batch_size)
        total += len(batch)
    return total


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_postgresql(model, columns: Sequence[str], rows: Iterable[Sequence], *, defer_indexes: bool) -> int:
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = model._meta.db_table
    sql = f"COPY {quote(table)} ({', '.join(quote(by_attname[c]) for c in columns)}) FROM STDIN"
    total = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        deferred = None
        if defer_indexes:
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {quote(table)})")
            deferred = _drop_secondary_indexes_and_foreign_keys(cursor, table) if cursor.fetchone()[0] else None
        while chunk := list(islice(iterator, COPY_CHUNK_ROWS)):
            buffer = io.StringIO()
            buffer.writelines("\t".join(map(_copy_value, row)) + "\n" for row in chunk)
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            total += len(chunk)
        if deferred is not None:
            _restore(cursor, table, deferred)
    return total


def _drop_secondary_indexes_and_foreign_keys(cursor, table: str) -> tuple[list, list]:
    """PostgreSQL's advice for populating a table ("Populating a Database"): load it without its
    secondary indexes and foreign keys, then build each index in one sorted pass and check each
    key in one join. Only for an empty table, inside the caller's transaction, so a failure
    rolls the DDL back with the rows. Indexes that back a constraint (primary key, unique) stay."""
    if not connection.in_atomic_block:
        return [], []
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle earlier rows' deferred checks first
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(ix.indexrelid) FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
           WHERE ix.indrelid = %s::regclass AND NOT ix.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)""",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table])
    foreign_keys = cursor.fetchall()
    quote = connection.ops.quote_name
    for name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    return indexes, foreign_keys


def _restore(cursor, table: str, deferred: tuple[list, list]) -> None:
    indexes, foreign_keys = deferred
    quote = connection.ops.quote_name
    if indexes:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
