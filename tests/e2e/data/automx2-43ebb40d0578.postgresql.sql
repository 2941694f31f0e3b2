-- automx2's Alembic revision 43ebb40d0578 ("DAV server support",
-- rseichter/automx2 src/alembic/versions/43ebb40d0578_dav_server_support.py),
-- its head, as Alembic emits it here: the key as SERIAL, native BOOLEAN.
-- A 2021 database with this applied is what automx2 makes today.
CREATE TABLE davserver (
	id SERIAL NOT NULL,
	url VARCHAR(128) NOT NULL,
	port INTEGER NOT NULL,
	type VARCHAR(32) NOT NULL,
	use_ssl BOOLEAN NOT NULL,
	domain_required BOOLEAN NOT NULL,
	user_name VARCHAR(64),
	PRIMARY KEY (id)
);
CREATE TABLE davserver_domain (
	davserver_id INTEGER NOT NULL,
	domain_id INTEGER NOT NULL,
	PRIMARY KEY (davserver_id, domain_id),
	FOREIGN KEY(davserver_id) REFERENCES davserver (id),
	FOREIGN KEY(domain_id) REFERENCES domain (id)
);
UPDATE alembic_version SET version_num='43ebb40d0578' WHERE alembic_version.version_num = '5334f8a8282c';
