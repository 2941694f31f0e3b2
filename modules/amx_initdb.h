/* automx-initdb's export, shared with its handler. */
#ifndef AMX_INITDB_H
#define AMX_INITDB_H

#include "httpd.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "amx_config.h"

/* GET with Accept: application/json: every provider as a version 2 seed
 * document that POST takes back. */
int amx_initdb_export(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd);

/* A reply page of automx-initdb with STATUS and MESSAGE (escaped here). */
int amx_initdb_page(request_rec *r, int status, const char *message);

/* GET with Accept: text/dns: the DNS records of every domain, or of the
 * one ?domain=NAME names, as a zone-file snippet. */
int amx_serve_dns(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd);

#endif
