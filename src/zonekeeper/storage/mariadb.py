"""What MariaDB (``mysql+asyncmy://`` or ``mariadb+asyncmy://``) needs to store what SQLite
and PostgreSQL store.

Registered by importing this module (``tables`` does), for the metadata and for every
migration, so a table or column added later gets the same treatment without a word:

- Tables are created ``utf8mb4`` with the binary collation ``utf8mb4_bin``. MariaDB's default
  ``utf8mb4_general_ci`` compares case- and accent-insensitively and ignores trailing
  spaces: project ``ABC`` would see project ``abc``'s zones, and names, filters and unique
  keys would not mean what they mean on the other databases.
- ``DateTime`` is ``DATETIME(6)``: plain ``DATETIME`` drops microseconds, which reorders
  rows created in the same second and rounds the worker's lease times.
- Primary keys are left unnamed: MariaDB calls every one ``PRIMARY`` and warns about any
  other name at each ``CREATE TABLE``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, PrimaryKeyConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.compiler import DDLCompiler, TypeCompiler

DIALECTS = ("mysql", "mariadb")  # SQLAlchemy's names, by the URL's scheme
TABLE_OPTIONS = " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
# MariaDB's default REPEATABLE READ reads every statement from the snapshot of the
# transaction's first read: a count taken after waiting for a lock would still miss what the
# lock's previous holder committed. Its gap locks also deadlocked two workers replacing the
# nameserver states of different zones (tests/worker/test_leases.py). READ COMMITTED reads the
# latest commit and locks only the rows it touches, as PostgreSQL does.
ISOLATION_LEVEL = "READ COMMITTED"


@compiles(CreateTable, *DIALECTS)
def _create_table(element: CreateTable, compiler: DDLCompiler, **kw: Any) -> str:
    sql = compiler.visit_create_table(element, **kw)  # type: ignore[no-untyped-call]
    return str(sql).rstrip() + TABLE_OPTIONS


@compiles(DateTime, *DIALECTS)
def _datetime(element: DateTime, compiler: TypeCompiler, **kw: Any) -> str:
    return "DATETIME(6)"


@compiles(PrimaryKeyConstraint, *DIALECTS)
def _primary_key(element: PrimaryKeyConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    sql = str(compiler.visit_primary_key_constraint(element, **kw))
    return sql[sql.find("PRIMARY KEY") :] if sql else sql
