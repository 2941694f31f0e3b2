/* Address parsing, domain normalisation, the host-name rule, the two forms
 * of an internationalised domain. */
#include <string.h>
#include <apr_strings.h>

#include "fuzz_common.h"
#include "amx_address.h"
#include "amx_idn.h"

/* Both forms of a valid name lead back to each other. */
static void check_forms(apr_pool_t *p, const char *domain)
{
    const char *lookup, *other, *back, *back_other;

    if (amx_idn_forms(p, domain, &lookup, &other) != 0) {
        if (lookup || other)
            __builtin_trap();
        return;
    }
    if (lookup == NULL || !amx_utf8_valid(lookup, strlen(lookup)))
        __builtin_trap();
    if (other == NULL)
        return;
    if (!amx_utf8_valid(other, strlen(other)) || strcmp(lookup, other) == 0)
        __builtin_trap();
    if (amx_idn_forms(p, other, &back, &back_other) != 0
        || strcmp(back, other) != 0 || back_other == NULL || strcmp(back_other, lookup) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    amx_address a;
    const char *s = (const char *)data;
    const char *domain;

    if (amx_address_parse(p, s, size, &a) == AMX_ADDR_OK) {
        /* A valid address is sound UTF-8 and has exactly one '@'. */
        if (!amx_utf8_valid(a.address, strlen(a.address)) || strchr(a.domain, '@'))
            __builtin_trap();
        check_forms(p, a.domain);
    }
    domain = amx_domain_normalize(p, s, size);
    if (domain && strlen(domain) == size - (s[size - 1] == '.')
        && amx_utf8_valid(domain, strlen(domain)))
        check_forms(p, domain);
    amx_domain_from_host(p, apr_pstrmemdup(p, s, size));
    apr_pool_destroy(p);
    return 0;
}
