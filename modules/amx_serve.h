/*
 * The endpoints: each answers one protocol for a request. Above the store,
 * the HTTP plumbing and the protocol writers; only mod_automx.c's routing
 * calls them.
 */
#ifndef AMX_SERVE_H
#define AMX_SERVE_H

#include "httpd.h"

#include "amx_config.h"

/* One endpoint: what it answers and how. */
typedef int (*amx_serve_fn)(request_rec *r, const amx_dir_conf *conf);

int amx_serve_autoconfig(request_rec *r, const amx_dir_conf *conf);
int amx_serve_autodiscover_xml(request_rec *r, const amx_dir_conf *conf);
int amx_serve_autodiscover_json(request_rec *r, const amx_dir_conf *conf);
int amx_serve_mobileconfig(request_rec *r, const amx_dir_conf *conf);
int amx_serve_initdb(request_rec *r, const amx_dir_conf *conf);
int amx_serve_site(request_rec *r, const amx_dir_conf *conf);
int amx_serve_pacc(request_rec *r, const amx_dir_conf *conf);
int amx_serve_api(request_rec *r, const amx_dir_conf *conf);

#endif
