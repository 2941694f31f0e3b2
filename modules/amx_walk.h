/*
 * The public endpoints' URLs are not files: httpd does not walk the file
 * system for them (its directory walk stats every level of the path and
 * looks for .htaccess files), unless AutomxDirectoryWalk On says so.
 */
#ifndef AMX_WALK_H
#define AMX_WALK_H

#include "httpd.h"

/* The translate_name and map_to_storage hooks. */
void amx_walk_register_hooks(apr_pool_t *p);

/* post_config: warns about mod_automx directives in <Directory> or
 * <Files> sections, which the public endpoints then never read. */
void amx_walk_check_sections(apr_pool_t *ptemp, server_rec *s);

#endif
