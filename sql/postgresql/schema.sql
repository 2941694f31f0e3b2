-- mod_automx schema for PostgreSQL: automx2's tables and columns, so an automx2
-- database works unchanged. Safe to load again: no table or row is replaced.
-- Each statement ends with ';' at the end of a line (automx-initdb splits
-- this file there).
CREATE TABLE IF NOT EXISTS provider (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    short_name VARCHAR(32) NOT NULL
);
CREATE TABLE IF NOT EXISTS ldapserver (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    port INTEGER NOT NULL,
    use_ssl BOOLEAN NOT NULL,
    search_base VARCHAR(128) NOT NULL,
    search_filter VARCHAR(128) NOT NULL,
    attr_uid VARCHAR(32) NOT NULL,
    attr_cn VARCHAR(32),
    bind_password VARCHAR(128),
    bind_user VARCHAR(128)
);
CREATE TABLE IF NOT EXISTS domain (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    provider_id INTEGER NOT NULL REFERENCES provider (id),
    ldapserver_id INTEGER REFERENCES ldapserver (id)
);
CREATE TABLE IF NOT EXISTS server (
    id INTEGER NOT NULL PRIMARY KEY,
    prio INTEGER NOT NULL DEFAULT 10,
    name VARCHAR(128) NOT NULL,
    port INTEGER NOT NULL,
    type VARCHAR(32) NOT NULL,
    socket_type VARCHAR(32) NOT NULL DEFAULT 'STARTTLS',
    user_name VARCHAR(64) NOT NULL DEFAULT '%EMAILADDRESS%',
    authentication VARCHAR(32) NOT NULL DEFAULT 'plain'
);
CREATE TABLE IF NOT EXISTS server_domain (
    server_id INTEGER NOT NULL REFERENCES server (id),
    domain_id INTEGER NOT NULL REFERENCES domain (id),
    PRIMARY KEY (server_id, domain_id)
);
CREATE TABLE IF NOT EXISTS davserver (
    id INTEGER NOT NULL PRIMARY KEY,
    url VARCHAR(128) NOT NULL,
    port INTEGER NOT NULL DEFAULT 0,
    type VARCHAR(32) NOT NULL,
    use_ssl BOOLEAN NOT NULL,
    domain_required BOOLEAN NOT NULL,
    user_name VARCHAR(64)
);
CREATE TABLE IF NOT EXISTS davserver_domain (
    davserver_id INTEGER NOT NULL REFERENCES davserver (id),
    domain_id INTEGER NOT NULL REFERENCES domain (id),
    PRIMARY KEY (davserver_id, domain_id)
);
-- The lookups of every request: domain by name (case-insensitively), then
-- its servers and DAV servers, and the provider's other domains. The last
-- three indexes hold every column the lookup reads from their table, so it
-- never visits the table itself (a hundred times per request for a
-- provider with a hundred domains). They replace indexes of one column
-- each, which earlier versions of this file created.
CREATE INDEX IF NOT EXISTS domain_name_lower ON domain (LOWER(name));
CREATE INDEX IF NOT EXISTS domain_provider_name ON domain (provider_id, name);
CREATE INDEX IF NOT EXISTS server_domain_by_domain ON server_domain (domain_id, server_id);
CREATE INDEX IF NOT EXISTS davserver_domain_by_domain ON davserver_domain (domain_id, davserver_id);
DROP INDEX IF EXISTS domain_provider;
DROP INDEX IF EXISTS server_domain_domain;
DROP INDEX IF EXISTS davserver_domain_domain;
-- section: counter
-- The change counter (README chapter 4): one row whose counter every write to
-- the seven tables above moves, whoever writes (automx-initdb, an SQL
-- client, automx2). A cache reads it with
--     SELECT counter FROM automx_change WHERE id = 1
-- and forgets what it holds when it moved. The triggers run in the
-- writer's transaction, so the counter moves exactly when the change
-- becomes visible. They are statement-level: a DELETE of a thousand rows
-- moves it once (a statement that changes no row moves it too), and
-- TRUNCATE moves it as well.
CREATE TABLE IF NOT EXISTS automx_change (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    counter BIGINT NOT NULL DEFAULT 0
);
-- The function and the triggers are made only where they are missing
-- (PostgreSQL has no CREATE TRIGGER IF NOT EXISTS): loading this file
-- again takes no lock on the tables and needs no ownership of what is
-- there already. (automx-initdb joins the lines of a statement with
-- spaces: strings are joined with ||, never by a line break.) The function updates the counter beside the table that
-- changed, whatever the writer's search_path.
DO $$
DECLARE
    t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'automx_change_bump'
                   AND pronamespace = current_schema()::regnamespace) THEN
        CREATE FUNCTION automx_change_bump() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            EXECUTE format('UPDATE %I.automx_change SET counter = counter + 1 WHERE id = 1',
                           TG_TABLE_SCHEMA);
            RETURN NULL;
        END
        $body$;
    END IF;
    FOREACH t IN ARRAY ARRAY['provider', 'ldapserver', 'domain', 'server', 'server_domain',
                             'davserver', 'davserver_domain'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'automx_change_' || t
                       AND tgrelid = format('%I', t)::regclass) THEN
            EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I'
                           || ' FOR EACH STATEMENT EXECUTE FUNCTION %I.automx_change_bump()',
                           'automx_change_' || t, t, current_schema());
        END IF;
    END LOOP;
END
$$;
-- The row comes last: a load that stopped half-way leaves no row, which
-- reads as no counter at all, never as a complete one.
INSERT INTO automx_change (id, counter) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
