/* Query-string decoding. */
#include <apr_strings.h>

#include "fuzz_common.h"
#include "amx_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *args = apr_pstrmemdup(p, (const char *)data, size), *v;
    apr_size_t len;

    if (amx_query_param(p, args, "emailaddress", &v, &len) == AMX_QUERY_FOUND && len > size)
        __builtin_trap();
    amx_query_param(p, args, "Protocol", &v, &len);
    apr_pool_destroy(p);
    return 0;
}
