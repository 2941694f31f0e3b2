/*
 * The module itself: its symbol, for mod_automx.c. The units below it
 * include what they use (amx_config.h, amx_serve.h, ...), never this file,
 * so that no unit depends on the one that registers them all.
 */
#ifndef MOD_AUTOMX_H
#define MOD_AUTOMX_H

#include "httpd.h"
#include "http_config.h"

#include "amx_config.h"
#include "amx_serve.h"

extern module AP_MODULE_DECLARE_DATA automx_module;

#endif
