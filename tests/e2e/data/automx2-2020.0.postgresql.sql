-- The schema automx2 2020.0 made on PostgreSQL: Alembic revision
-- f62e64b43d2f (rseichter/automx2 alembic/versions/f62e64b43d2f_2020_0.py)
-- as SQLAlchemy 1.3 renders it: autoincrementing Integer keys as SERIAL,
-- String(128) as VARCHAR(128), native BOOLEAN, and Alembic's own version
-- table. No server.prio, no DAV tables.
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE ldapserver (
	id SERIAL NOT NULL,
	name VARCHAR(128) NOT NULL,
	port INTEGER NOT NULL,
	use_ssl BOOLEAN NOT NULL,
	search_base VARCHAR(128) NOT NULL,
	search_filter VARCHAR(128) NOT NULL,
	attr_uid VARCHAR(128) NOT NULL,
	attr_cn VARCHAR(128),
	bind_password VARCHAR(128),
	bind_user VARCHAR(128),
	PRIMARY KEY (id)
);
CREATE TABLE provider (
	id SERIAL NOT NULL,
	name VARCHAR(128) NOT NULL,
	short_name VARCHAR(128) NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE server (
	id SERIAL NOT NULL,
	name VARCHAR(128) NOT NULL,
	port INTEGER NOT NULL,
	type VARCHAR(128) NOT NULL,
	socket_type VARCHAR(128) NOT NULL,
	user_name VARCHAR(128) NOT NULL,
	authentication VARCHAR(128) NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE domain (
	id SERIAL NOT NULL,
	name VARCHAR(128) NOT NULL,
	provider_id INTEGER NOT NULL,
	ldapserver_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(ldapserver_id) REFERENCES ldapserver (id),
	FOREIGN KEY(provider_id) REFERENCES provider (id),
	UNIQUE (name)
);
CREATE TABLE server_domain (
	server_id INTEGER NOT NULL,
	domain_id INTEGER NOT NULL,
	PRIMARY KEY (server_id, domain_id),
	FOREIGN KEY(domain_id) REFERENCES domain (id),
	FOREIGN KEY(server_id) REFERENCES server (id)
);
INSERT INTO alembic_version (version_num) VALUES ('f62e64b43d2f');
