//! A real PostgreSQL server for tests (Debian's `postgresql`): `initdb` and `pg_ctl` in
//! a temp folder on a free port. Being written.
