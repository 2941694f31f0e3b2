/* Shared set-up of the fuzz targets: one APR pool per input. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <libxml/parser.h>

static apr_pool_t *fuzz_root;

static apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p;
    if (fuzz_root == NULL) {
        apr_initialize();
        xmlInitParser();
        apr_pool_create(&fuzz_root, NULL);
    }
    apr_pool_create(&p, fuzz_root);
    return p;
}

#endif
