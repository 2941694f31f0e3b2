/* Placeholder expansion with an address taken from the input. */
#include <string.h>
#include <apr_strings.h>

#include "fuzz_common.h"
#include "amx_placeholder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *all = apr_pstrmemdup(p, (const char *)data, size);
    const char *nl = strchr(all, '\n');
    amx_address a;

    if (nl && amx_address_parse(p, all, (apr_size_t)(nl - all), &a) == AMX_ADDR_OK)
        amx_placeholder_expand(p, nl + 1, &a);
    amx_placeholder_expand(p, all, NULL);
    apr_pool_destroy(p);
    return 0;
}
