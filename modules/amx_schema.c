/*
 * The schema, made current by automx-initdb (README chapters 4 and 7). The tables
 * and indexes of sql/ are created where missing; an automx2 database made
 * by an older automx2 is upgraded in place, every row kept: 2020.0 has no
 * server.prio and no DAV tables, 2021 (Alembic revision 5334f8a8282c) no
 * DAV tables. The old schema is told by its columns and tables, not by
 * alembic_version: a database that automx2 made with create_all() has
 * none. Then the change counter of sql/ (table, triggers, row) is added
 * where it is missing.
 */
#include "httpd.h"
#include "http_log.h"
#include "apr_dbd.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "amx_schema.h"
#include "amx_sql_gen.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

typedef enum { DB_SQLITE, DB_PGSQL, DB_MYSQL } db_kind;

static db_kind kind_of(ap_dbd_t *dbd)
{
    const char *name = apr_dbd_name(dbd->driver);
    if (strcmp(name, "pgsql") == 0)
        return DB_PGSQL;
    if (strcmp(name, "mysql") == 0)
        return DB_MYSQL;
    return DB_SQLITE;
}

/* automx2's head revision, which has every table and column of sql/. A
 * database whose alembic_version names an older revision is given this
 * one after the upgrade, so that automx2 (up to 2026.1, which still ran
 * Alembic) neither tries to add prio or the DAV tables again nor refuses
 * the database. A database without alembic_version gets none: automx2
 * 2026.2 no longer uses it, and one made by create_all() never had it. */
#define ALEMBIC_HEAD "43ebb40d0578"
#define ALEMBIC_OLD "'f62e64b43d2f', '5334f8a8282c'"

/* automx2's migration 5334f8a8282c adds prio with server_default '10':
 * every server there is gets 10, the default of sql/ and of automx2's
 * model. (An early version of that migration said '100'; automx2 changed
 * it to '10' before its release.) At the end of the table, as there. */
#define ADD_PRIO "ALTER TABLE server ADD COLUMN prio INTEGER NOT NULL DEFAULT 10"

#define TRIGGER_PREFIX "automx_change_"

typedef struct {
    apr_hash_t *tables;    /* names of the tables there are */
    apr_hash_t *triggers;  /* names of the counter's triggers there are */
    int has_prio;          /* server.prio exists */
    int has_row;           /* automx_change has its row */
    int sees_triggers;     /* the catalog shows this user the triggers */
} snapshot;

static int name_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                    void *ctx, const char **error)
{
    const char *name = amx_store_entry(drv, row, 0);
    if (name)
        apr_hash_set(ctx, apr_pstrdup(r->pool, name), APR_HASH_KEY_STRING, "");
    return 0;
}

static int names(request_rec *r, ap_dbd_t *dbd, const char *sql, apr_hash_t **out,
                 const char **error)
{
    *out = apr_hash_make(r->pool);
    return amx_store_rows(r, dbd, sql, name_row, *out, error);
}

static int has(apr_hash_t *set, const char *name)
{
    return apr_hash_get(set, name, APR_HASH_KEY_STRING) != NULL;
}

static int look(request_rec *r, ap_dbd_t *dbd, snapshot *s, const char **error)
{
    static const char *const tables[] = {
        [DB_SQLITE] = "SELECT name FROM sqlite_master WHERE type = 'table'",
        [DB_PGSQL] = "SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema = current_schema()",
        [DB_MYSQL] = "SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema = DATABASE()",
    };
    static const char *const server_columns[] = {
        [DB_SQLITE] = "SELECT name FROM pragma_table_info('server')",
        [DB_PGSQL] = "SELECT column_name FROM information_schema.columns"
                     " WHERE table_schema = current_schema() AND table_name = 'server'",
        [DB_MYSQL] = "SELECT column_name FROM information_schema.columns"
                     " WHERE table_schema = DATABASE() AND table_name = 'server'",
    };
    /* MySQL lists only the triggers of tables the user may create
     * triggers on: without that privilege, none, which is the truth as
     * far as this user can mend it. */
    static const char *const triggers[] = {
        [DB_SQLITE] = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                      " AND name LIKE '" TRIGGER_PREFIX "%'",
        [DB_PGSQL] = "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                     " WHERE c.relnamespace = current_schema()::regnamespace"
                     " AND NOT t.tgisinternal AND t.tgname LIKE '" TRIGGER_PREFIX "%'",
        [DB_MYSQL] = "SELECT trigger_name FROM information_schema.triggers"
                     " WHERE trigger_schema = DATABASE()"
                     " AND trigger_name LIKE '" TRIGGER_PREFIX "%'",
    };
    db_kind k = kind_of(dbd);
    apr_hash_t *columns, *row;

    memset(s, 0, sizeof(*s));
    if (names(r, dbd, tables[k], &s->tables, error) != 0
        || names(r, dbd, server_columns[k], &columns, error) != 0
        || names(r, dbd, triggers[k], &s->triggers, error) != 0)
        return -1;
    s->has_prio = has(columns, "prio");
    s->sees_triggers = 1;
    if (k == DB_MYSQL) {
        /* A grant on the database may name it by a pattern (automx\_db):
         * LIKE reads it as one. */
        apr_hash_t *grants;
        if (names(r, dbd, "SELECT privilege_type FROM information_schema.user_privileges"
                  " WHERE privilege_type = 'TRIGGER' UNION SELECT privilege_type"
                  " FROM information_schema.schema_privileges WHERE privilege_type = 'TRIGGER'"
                  " AND DATABASE() LIKE table_schema", &grants, error) != 0)
            return -1;
        s->sees_triggers = apr_hash_count(grants) > 0;
    }
    if (has(s->tables, "automx_change")) {
        if (names(r, dbd, "SELECT id FROM automx_change WHERE id = 1", &row, error) != 0)
            return -1;
        s->has_row = apr_hash_count(row) > 0;
    }
    return 0;
}

static int run_all(request_rec *r, ap_dbd_t *dbd, const char *const *sql, const char **error)
{
    for (; *sql; sql++) {
        if (amx_store_exec(r, dbd, *sql, error) != 0)
            return -1;
    }
    return 0;
}

static const char *const *tables_sql(db_kind k)
{
    return k == DB_PGSQL ? amx_sql_schema_pgsql
         : k == DB_MYSQL ? amx_sql_schema_mysql : amx_sql_schema_sqlite3;
}

static const char *const *counter_sql(db_kind k)
{
    return k == DB_PGSQL ? amx_sql_counter_pgsql
         : k == DB_MYSQL ? amx_sql_counter_mysql : amx_sql_counter_sqlite3;
}

/* How many triggers the counter has: one per table and event where
 * triggers are per row, one per table on PostgreSQL. */
static int triggers_wanted(db_kind k)
{
    const char *const *sql;
    int n = 0;
    if (k == DB_PGSQL)
        return 7;
    for (sql = counter_sql(k); *sql; sql++)
        n += strncmp(*sql, "CREATE TRIGGER ", 15) == 0;
    return n;
}

/* The counter is all there: nothing of it is made again. Creating a
 * trigger that exists already is no statement without cost on MySQL: it
 * waits for an exclusive lock on the table, and seeds that ran at once
 * then deadlocked on it. A MySQL user without the TRIGGER privilege sees
 * no trigger and could mend none: there the row, which the schema
 * inserts after the last trigger, stands for the whole (an administrator
 * may have loaded sql/ with more rights). */
static int counter_complete(db_kind k, const snapshot *s)
{
    if (!s->sees_triggers)
        return s->has_row;
    return s->has_row && (int)apr_hash_count(s->triggers) == triggers_wanted(k);
}

/* MySQL, after a statement of the counter failed: what this request made
 * of it is dropped again (the triggers named in sql/ that were not there
 * before, the table when it was new; the row comes last in sql/, so it
 * was not made). A row that was there stays: the triggers it stands for
 * may be ones this user cannot see. The first failure is logged. */
static void undo_counter(request_rec *r, ap_dbd_t *dbd, const snapshot *before)
{
    const char *const *sql;
    const char *error = NULL;
    static const char create[] = "CREATE TRIGGER IF NOT EXISTS ";

    for (sql = amx_sql_counter_mysql; *sql; sql++) {
        const char *name;
        if (strncmp(*sql, create, sizeof(create) - 1) != 0)
            continue;
        name = apr_pstrndup(r->pool, *sql + sizeof(create) - 1,
                            strcspn(*sql + sizeof(create) - 1, " "));
        if (!has(before->triggers, name)
            && amx_store_exec(r, dbd, apr_pstrcat(r->pool, "DROP TRIGGER IF EXISTS ", name,
                                                  NULL), &error) != 0) {
            /* The table stays: triggers left without it would fail
             * every write to their tables. */
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "AMX01902: %s", error);
            return;
        }
    }
    if (!has(before->tables, "automx_change")
        && amx_store_exec(r, dbd, "DROP TABLE IF EXISTS automx_change", &error) != 0)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "AMX01902: %s", error);
}

static const char *join(apr_pool_t *p, const char *list, const char *item)
{
    return list ? apr_pstrcat(p, list, "; ", item, NULL) : item;
}

/* What changed between BEFORE and AFTER in a database that had tables. */
static const char *changes(request_rec *r, const snapshot *before, const snapshot *after,
                           int alembic_rows)
{
    const char *list = NULL;
    int added;

    if (!has(before->tables, "provider"))
        return NULL;
    if (has(before->tables, "server") && !before->has_prio)
        list = join(r->pool, list, "added the column server.prio (10 for every server)");
    if (!has(before->tables, "davserver") || !has(before->tables, "davserver_domain"))
        list = join(r->pool, list, "added the DAV server tables davserver and "
                    "davserver_domain");
    added = (int)apr_hash_count(after->triggers) - (int)apr_hash_count(before->triggers);
    if (!has(before->tables, "automx_change") || added > 0 || !before->has_row)
        list = join(r->pool, list, apr_psprintf(r->pool, "added the change counter (table "
                    "automx_change%s, %d trigger%s)", before->has_row ? "" : " with its row",
                    added, added == 1 ? "" : "s"));
    if (alembic_rows > 0)
        list = join(r->pool, list, "set alembic_version to automx2's head revision "
                    ALEMBIC_HEAD);
    return list ? apr_pstrcat(r->pool, "Schema upgraded: ", list, ".", NULL) : NULL;
}

static int count_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                     void *ctx, const char **error)
{
    const char *v = amx_store_entry(drv, row, 0);
    *(int *)ctx = v ? atoi(v) : 0;
    return 0;
}

/* Moves an old alembic_version to the head revision; the number of rows
 * it moved, or -1. */
static int stamp_alembic(request_rec *r, ap_dbd_t *dbd, const snapshot *before,
                         const char **error)
{
    int n = 0;
    if (!has(before->tables, "alembic_version"))
        return 0;
    if (amx_store_rows(r, dbd, "SELECT COUNT(*) FROM alembic_version WHERE version_num IN ("
                       ALEMBIC_OLD ")", count_row, &n, error) != 0)
        return -1;
    if (n > 0 && amx_store_exec(r, dbd, "UPDATE alembic_version SET version_num = '"
                                ALEMBIC_HEAD "' WHERE version_num IN (" ALEMBIC_OLD ")",
                                error) != 0)
        return -1;
    return n;
}

int amx_schema_prepare(request_rec *r, ap_dbd_t *dbd, amx_schema_result *out,
                       const char **error)
{
    db_kind k = kind_of(dbd);
    snapshot before, after;
    int stamped;

    out->changes = NULL;
    out->counter_failed = 0;
    if (look(r, dbd, &before, error) != 0)
        return -1;
    /* The column first: on MySQL each step commits, and a database that
     * has prio but not yet the DAV tables is still one automx2 serves. */
    if (has(before.tables, "server") && !before.has_prio
        && amx_store_exec(r, dbd, ADD_PRIO, error) != 0)
        return -1;
    if (run_all(r, dbd, tables_sql(k), error) != 0)
        return -1;
    if (!counter_complete(k, &before) && run_all(r, dbd, counter_sql(k), error) != 0) {
        out->counter_failed = 1;
        if (k == DB_MYSQL)
            undo_counter(r, dbd, &before);
        return -1;
    }
    if ((stamped = stamp_alembic(r, dbd, &before, error)) < 0
        || look(r, dbd, &after, error) != 0)
        return -1;
    out->changes = changes(r, &before, &after, stamped);
    return 0;
}

const char *amx_schema_counter_hint(ap_dbd_t *dbd)
{
    switch (kind_of(dbd)) {
    case DB_MYSQL:
        return "Creating triggers needs the TRIGGER privilege on the database (GRANT "
               "TRIGGER ON db.* TO the user of DBDParams), and SUPER as well while binary "
               "logging is on and log_bin_trust_function_creators is off.";
    case DB_PGSQL:
        return "Creating the triggers needs ownership of the seven tables (or the TRIGGER "
               "privilege on them) and the right to create a function in the schema.";
    default:
        return "See the error log for the reason.";
    }
}
