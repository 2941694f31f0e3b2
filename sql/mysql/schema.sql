-- mod_automx schema for MySQL and MariaDB: automx2's tables and columns, so
-- an automx2 database works unchanged. Safe to load again: nothing is
-- replaced. Each statement ends with ';' at the end of a line (automx-initdb
-- splits this file there). Create the database with a case-insensitive
-- collation, e.g. CREATE DATABASE automx COLLATE utf8mb4_general_ci: domain
-- names then compare case-insensitively through the UNIQUE index, which
-- stands in for the LOWER(name) index of the other databases (MariaDB has
-- no expression indexes); the module looks names up with name = ?, which
-- that index serves (LOWER(name) = ? would read all of it).
CREATE TABLE IF NOT EXISTS provider (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    short_name VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS domain (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(128) NOT NULL UNIQUE,
    provider_id INTEGER NOT NULL,
    ldapserver_id INTEGER,
    FOREIGN KEY (provider_id) REFERENCES provider (id),
    FOREIGN KEY (ldapserver_id) REFERENCES ldapserver (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS server (
    id INTEGER NOT NULL PRIMARY KEY,
    prio INTEGER NOT NULL DEFAULT 10,
    name VARCHAR(128) NOT NULL,
    port INTEGER NOT NULL,
    type VARCHAR(32) NOT NULL,
    socket_type VARCHAR(32) NOT NULL DEFAULT 'STARTTLS',
    user_name VARCHAR(64) NOT NULL DEFAULT '%EMAILADDRESS%',
    authentication VARCHAR(32) NOT NULL DEFAULT 'plain'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS server_domain (
    server_id INTEGER NOT NULL,
    domain_id INTEGER NOT NULL,
    PRIMARY KEY (server_id, domain_id),
    KEY server_domain_domain (domain_id),
    FOREIGN KEY (server_id) REFERENCES server (id),
    FOREIGN KEY (domain_id) REFERENCES domain (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS davserver (
    id INTEGER NOT NULL PRIMARY KEY,
    url VARCHAR(128) NOT NULL,
    port INTEGER NOT NULL DEFAULT 0,
    type VARCHAR(32) NOT NULL,
    use_ssl BOOLEAN NOT NULL,
    domain_required BOOLEAN NOT NULL,
    user_name VARCHAR(64)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS davserver_domain (
    davserver_id INTEGER NOT NULL,
    domain_id INTEGER NOT NULL,
    PRIMARY KEY (davserver_id, domain_id),
    KEY davserver_domain_domain (domain_id),
    FOREIGN KEY (davserver_id) REFERENCES davserver (id),
    FOREIGN KEY (domain_id) REFERENCES domain (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
-- The provider's other domains are found through this index. MySQL 8 has
-- no CREATE INDEX IF NOT EXISTS (MariaDB has): the index is made only when
-- information_schema does not list it, which both understand.
SET @automx_ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX domain_provider ON domain (provider_id)', 'DO 0')
    FROM information_schema.statistics WHERE table_schema = DATABASE()
    AND table_name = 'domain' AND index_name = 'domain_provider');
PREPARE automx_ddl FROM @automx_ddl;
EXECUTE automx_ddl;
DEALLOCATE PREPARE automx_ddl;
-- section: counter
-- The change counter (README chapter 4): one row whose counter every write to
-- the seven tables above moves, whoever writes (automx-initdb, an SQL
-- client, automx2). A cache reads it with
--     SELECT counter FROM automx_change WHERE id = 1
-- and forgets what it holds when it moved. The triggers run in the
-- writer's transaction, so the counter moves exactly when the change
-- becomes visible. MySQL and MariaDB have no statement-level triggers:
-- each row written moves it once (a DELETE of a thousand rows costs a
-- thousand updates of this row), and TRUNCATE and foreign-key cascades
-- fire no trigger at all (this schema has no cascades). A trigger runs
-- with the rights of the user who created it, so other writers need no
-- right on automx_change. Creating triggers needs the TRIGGER privilege,
-- and SUPER as well while binary logging is on and
-- log_bin_trust_function_creators is off. CREATE TRIGGER IF NOT EXISTS
-- needs MariaDB 10.1.4 or MySQL 8.0.29. The row comes last: a load that
-- stopped at a trigger (no privilege) leaves a table without its row,
-- which reads as no counter at all, never as a complete one.
CREATE TABLE IF NOT EXISTS automx_change (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    counter BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TRIGGER IF NOT EXISTS automx_change_provider_insert AFTER INSERT ON provider FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_provider_update AFTER UPDATE ON provider FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_provider_delete AFTER DELETE ON provider FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_ldapserver_insert AFTER INSERT ON ldapserver FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_ldapserver_update AFTER UPDATE ON ldapserver FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_ldapserver_delete AFTER DELETE ON ldapserver FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_domain_insert AFTER INSERT ON domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_domain_update AFTER UPDATE ON domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_domain_delete AFTER DELETE ON domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_server_insert AFTER INSERT ON server FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_server_update AFTER UPDATE ON server FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_server_delete AFTER DELETE ON server FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_server_domain_insert AFTER INSERT ON server_domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_server_domain_update AFTER UPDATE ON server_domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_server_domain_delete AFTER DELETE ON server_domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_insert AFTER INSERT ON davserver FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_update AFTER UPDATE ON davserver FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_delete AFTER DELETE ON davserver FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_domain_insert AFTER INSERT ON davserver_domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_domain_update AFTER UPDATE ON davserver_domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS automx_change_davserver_domain_delete AFTER DELETE ON davserver_domain FOR EACH ROW UPDATE automx_change SET counter = counter + 1 WHERE id = 1;
INSERT IGNORE INTO automx_change (id, counter) VALUES (1, 0);
