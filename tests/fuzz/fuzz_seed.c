/* Seed document validation. */
#include "fuzz_common.h"
#include "amx_seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_array_header_t *out = NULL;

    if (amx_seed_parse(p, (const char *)data, size, &out) == NULL && out == NULL)
        __builtin_trap();
    apr_pool_destroy(p);
    return 0;
}
