-- automx2's Alembic revision 5334f8a8282c (automx2 2021: "Add prio column
-- to server table", rseichter/automx2
-- alembic/versions/5334f8a8282c_add_prio_column.py) as Alembic emits it on
-- SQLite, PostgreSQL and MySQL alike: a 2020.0 database (automx2-2020.0.*)
-- with this applied is a 2021 one, which still has no DAV tables.
ALTER TABLE server ADD COLUMN prio INTEGER DEFAULT '10' NOT NULL;
UPDATE alembic_version SET version_num='5334f8a8282c' WHERE alembic_version.version_num = 'f62e64b43d2f';
