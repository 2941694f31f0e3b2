-- mod_automx schema for SQLite: automx2's tables and columns, so an automx2
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
-- becomes visible. SQLite has no statement-level triggers: each row
-- written moves it once. The row comes last: a database with the table
-- but without the row (a load that stopped half-way) reads as one without
-- a counter, never as one whose counter is complete.
CREATE TABLE IF NOT EXISTS automx_change (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    counter BIGINT NOT NULL DEFAULT 0
);
-- One line each: the ';' inside a body is not at the end of a line.
CREATE TRIGGER IF NOT EXISTS automx_change_provider_insert AFTER INSERT ON provider BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_provider_update AFTER UPDATE ON provider BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_provider_delete AFTER DELETE ON provider BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_ldapserver_insert AFTER INSERT ON ldapserver BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_ldapserver_update AFTER UPDATE ON ldapserver BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_ldapserver_delete AFTER DELETE ON ldapserver BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_domain_insert AFTER INSERT ON domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_domain_update AFTER UPDATE ON domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_domain_delete AFTER DELETE ON domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_server_insert AFTER INSERT ON server BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_server_update AFTER UPDATE ON server BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_server_delete AFTER DELETE ON server BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_server_domain_insert AFTER INSERT ON server_domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_server_domain_update AFTER UPDATE ON server_domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_server_domain_delete AFTER DELETE ON server_domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_insert AFTER INSERT ON davserver BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_update AFTER UPDATE ON davserver BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_delete AFTER DELETE ON davserver BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_domain_insert AFTER INSERT ON davserver_domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_domain_update AFTER UPDATE ON davserver_domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_domain_delete AFTER DELETE ON davserver_domain BEGIN UPDATE automx_change SET counter = counter + 1 WHERE id = 1; END;
INSERT OR IGNORE INTO automx_change (id, counter) VALUES (1, 0);
