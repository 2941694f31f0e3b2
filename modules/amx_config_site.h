/*
 * The directives of the self-service page and the DNS records, for
 * amx_config.c's command table.
 */
#ifndef AMX_CONFIG_SITE_H
#define AMX_CONFIG_SITE_H

#include "httpd.h"
#include "http_config.h"

const char *amx_config_set_public_host(cmd_parms *cmd, void *dconf, const char *arg);
const char *amx_config_set_site_title(cmd_parms *cmd, void *dconf, const char *arg);
const char *amx_config_set_site_logo(cmd_parms *cmd, void *dconf, const char *arg);
const char *amx_config_set_site_support(cmd_parms *cmd, void *dconf, const char *arg);
const char *amx_config_set_site_template(cmd_parms *cmd, void *dconf, const char *arg);

#endif
