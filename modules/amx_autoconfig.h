/*
 * Mozilla Autoconfig (clientConfig version 1.1). Pure: no httpd.
 */
#ifndef AMX_AUTOCONFIG_H
#define AMX_AUTOCONFIG_H


#include "amx_model.h"
#include "amx_xml.h"

/* Writes the whole document for D to W (which amx_xml_open started).
 * D must have passed amx_domain_check(). Placeholders stay as they are:
 * the client replaces them. ID->uid, when set, replaces every username.
 * Returns 0, or -1 when the writer failed. */
int amx_autoconfig_write(amx_xml *w, const amx_domain_data *d,
                         const amx_identity *id);

#endif
