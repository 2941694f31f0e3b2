-- The sample data: three providers and five domains, as automx2 seeds them.
-- The same file loads into SQLite, PostgreSQL and MySQL/MariaDB, after the schema.
INSERT INTO provider (id, name, short_name) VALUES (1000, 'Big Corporation, Inc.', 'BigCorp');
INSERT INTO provider (id, name, short_name) VALUES (1001, 'Ham & Eggs', 'H+E');
INSERT INTO provider (id, name, short_name) VALUES (1002, 'Some Other Provider', 'SOP');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3000, 'example.com', 1000, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3001, 'example.net', 1000, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3002, 'example.org', 1000, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3003, 'ham-n-eggs.tld', 1001, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (3004, 'serverless.tld', 1002, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (4000, 10, 'primary-smtp.example.com', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (4001, 10, 'secondary-smtp.example.org', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (4002, 10, 'imap1.example.com', 143, 'imap', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (4003, 10, 'imap2.example.net', 143, 'imap', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (4004, 10, 'pop1.example.org', 143, 'pop', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (4005, 10, 'mail.ham-n-eggs.tld', 123, 'INVALID', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (4000, 3000);
INSERT INTO server_domain (server_id, domain_id) VALUES (4000, 3001);
INSERT INTO server_domain (server_id, domain_id) VALUES (4001, 3002);
INSERT INTO server_domain (server_id, domain_id) VALUES (4002, 3000);
INSERT INTO server_domain (server_id, domain_id) VALUES (4003, 3001);
INSERT INTO server_domain (server_id, domain_id) VALUES (4004, 3002);
INSERT INTO server_domain (server_id, domain_id) VALUES (4005, 3003);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (4100, 'https://caldav.example.com', 443, 'caldav', TRUE, FALSE, '%EMAILADDRESS%');
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (4101, 'http://carddav.example.com', 0, 'carddav', FALSE, TRUE, NULL);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (4100, 3000);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (4101, 3000);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (4101, 3001);
