-- Rows of an old automx2 database, for the upgrade tests: the columns that
-- automx2 2020.0 had, in every table it had; prio and the DAV tables come
-- with the upgrade. Ids out of order and an LDAP server that one domain
-- uses, so that a row that moves or goes shows.
INSERT INTO provider (id, name, short_name) VALUES (7, 'Old Mail Services', 'OldMail');
INSERT INTO provider (id, name, short_name) VALUES (3, 'Second Provider', 'Second');
INSERT INTO ldapserver (id, name, port, use_ssl, search_base, search_filter, attr_uid, attr_cn, bind_password, bind_user)
    VALUES (2, 'ldap.old.example', 636, TRUE, 'dc=old,dc=example', '(mail={0})', 'uid', 'cn', 'secret', 'cn=reader');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (11, 'old.example', 7, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (10, 'also-old.example', 7, 2);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (12, 'second.example', 3, NULL);
INSERT INTO server (id, name, port, type, socket_type, user_name, authentication)
    VALUES (21, 'imap.old.example', 993, 'imap', 'SSL', '%EMAILLOCALPART%', 'plain');
INSERT INTO server (id, name, port, type, socket_type, user_name, authentication)
    VALUES (20, 'smtp.old.example', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, name, port, type, socket_type, user_name, authentication)
    VALUES (22, 'pop.second.example', 995, 'pop', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, name, port, type, socket_type, user_name, authentication)
    VALUES (23, 'smtp.second.example', 465, 'smtp', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (21, 11);
INSERT INTO server_domain (server_id, domain_id) VALUES (20, 11);
INSERT INTO server_domain (server_id, domain_id) VALUES (21, 10);
INSERT INTO server_domain (server_id, domain_id) VALUES (20, 10);
INSERT INTO server_domain (server_id, domain_id) VALUES (22, 12);
INSERT INTO server_domain (server_id, domain_id) VALUES (23, 12);
