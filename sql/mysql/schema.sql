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
