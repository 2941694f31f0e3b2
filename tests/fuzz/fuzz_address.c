/* Address parsing, domain normalisation, the host-name rule. */
#include <string.h>
#include <apr_strings.h>

#include "fuzz_common.h"
#include "amx_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    amx_address a;
    const char *s = (const char *)data;

    if (amx_address_parse(p, s, size, &a) == AMX_ADDR_OK) {
        /* A valid address is sound UTF-8 and has exactly one '@'. */
        if (!amx_utf8_valid(a.address, strlen(a.address)) || strchr(a.domain, '@'))
            __builtin_trap();
    }
    amx_domain_normalize(p, s, size);
    amx_domain_from_host(p, apr_pstrmemdup(p, s, size));
    apr_pool_destroy(p);
    return 0;
}
