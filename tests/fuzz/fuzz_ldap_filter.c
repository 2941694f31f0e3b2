/* RFC 4515 escaping: the escaped value never carries a bare special. */
#include <string.h>

#include "fuzz_common.h"
#include "amx_ldap_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *e = amx_ldap_escape(p, (const char *)data, size), *c;

    for (c = e; *c; c++) {
        if (*c == '*' || *c == '(' || *c == ')')
            __builtin_trap();
        if (*c == '\\' && !(c[1] && c[2]))
            __builtin_trap();
    }
    apr_pool_destroy(p);
    return 0;
}
