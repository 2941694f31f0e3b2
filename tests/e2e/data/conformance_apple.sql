-- Data for the Apple conformance tests (test_conformance_apple.py) and the
-- internationalised-domain tests (test_idn.py), after the sample data.
-- Loads into SQLite, PostgreSQL and MariaDB (the latter after SET NAMES utf8mb4).
--
-- 2000: IDN domains, one stored in A-labels, one in U-labels; the provider's
--       name has placeholders; DAV servers with and without a user name.
INSERT INTO provider (id, name, short_name) VALUES (2000, 'Stadtnetz %EMAILDOMAIN% für %EMAILLOCALPART%', 'Stadtnetz');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (5000, 'xn--mnchen-3ya.de', 2000, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (5001, 'köln.de', 2000, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6000, 10, 'imap.xn--mnchen-3ya.de', 993, 'imap', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6001, 10, 'smtp.xn--mnchen-3ya.de', 465, 'smtp', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6002, 10, 'imap.köln.de', 143, 'imap', 'STARTTLS', '%EMAILLOCALPART%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6003, 10, 'smtp.köln.de', 587, 'smtp', 'STARTTLS', '%EMAILLOCALPART%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (6000, 5000);
INSERT INTO server_domain (server_id, domain_id) VALUES (6001, 5000);
INSERT INTO server_domain (server_id, domain_id) VALUES (6002, 5001);
INSERT INTO server_domain (server_id, domain_id) VALUES (6003, 5001);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (6100, 'https://dav.xn--mnchen-3ya.de/cal/%EMAILLOCALPART%/', 0, 'caldav', TRUE, FALSE, '%EMAILADDRESS%');
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (6101, 'https://dav.xn--mnchen-3ya.de/card/', 0, 'carddav', TRUE, TRUE, NULL);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6100, 5000);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6101, 5000);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6100, 5001);
-- 2001: several servers of each kind, every authentication Apple takes,
--       DAV ports from the URL and from the row, plain http.
INSERT INTO provider (id, name, short_name) VALUES (2001, 'Several Servers & Sons', 'Several');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (5002, 'several.example', 2001, NULL);
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (5003, 'pop.several.example', 2001, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6010, 1, 'plain-imap.several.example', 143, 'imap', 'plain', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6011, 5, 'tls-imap.several.example', 143, 'imap', 'STARTTLS', '%EMAILLOCALPART%', 'NTLM');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6012, 10, 'ssl-imap.several.example', 993, 'imap', 'TLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6013, 1, 'pop.several.example', 995, 'pop', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6014, 1, 'mx.several.example', 25, 'smtp', 'plain', '', 'none');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6015, 2, 'submission.several.example', 587, 'smtp', 'STARTTLS', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6016, 3, 'smtps.several.example', 465, 'smtp', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (6010, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6011, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6012, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6013, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6014, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6015, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6016, 5002);
INSERT INTO server_domain (server_id, domain_id) VALUES (6013, 5003);
INSERT INTO server_domain (server_id, domain_id) VALUES (6014, 5003);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (6110, 'https://cal.several.example:8443/dav/', 0, 'caldav', TRUE, FALSE, NULL);
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (6111, 'http://card.several.example/', 8080, 'carddav', FALSE, TRUE, '%EMAILLOCALPART%');
INSERT INTO davserver (id, url, port, type, use_ssl, domain_required, user_name) VALUES (6112, 'https://card2.several.example/', 443, 'carddav', TRUE, FALSE, '%EMAILADDRESS%');
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6110, 5002);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6111, 5002);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6112, 5002);
INSERT INTO davserver_domain (davserver_id, domain_id) VALUES (6110, 5003);
-- 2002: the same letters without the umlaut, a domain of its own. MariaDB's
--       usual case-insensitive collations also ignore accents (ü = u): a
--       request for münchen.de must still find xn--mnchen-3ya.de, not this.
INSERT INTO provider (id, name, short_name) VALUES (2002, 'Munchen ohne Umlaut', 'Munchen');
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES (5004, 'munchen.de', 2002, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6020, 10, 'imap.munchen.de', 993, 'imap', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES (6021, 10, 'smtp.munchen.de', 465, 'smtp', 'SSL', '%EMAILADDRESS%', 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES (6020, 5004);
INSERT INTO server_domain (server_id, domain_id) VALUES (6021, 5004);
