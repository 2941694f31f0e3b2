/* The self-service page with what a visitor controls: the User-Agent and
 * the address (lines 1 and 2); the rest is tried as a template. The page
 * must never carry markup that came from the input (an element <fuzz...>
 * in the address must come out escaped). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "fuzz_common.h"
#include "amx_address.h"
#include "amx_site_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *all = apr_pstrmemdup(p, (const char *)data, size);
    const char *nl1 = strchr(all, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    const amx_site_template *t;
    amx_site_page pg;
    amx_address a;
    const char *out;

    memset(&pg, 0, sizeof(pg));
    pg.device = amx_site_device(nl1 ? apr_pstrmemdup(p, all, (apr_size_t)(nl1 - all)) : all);
    if (nl1) {
        const char *addr = nl1 + 1;
        apr_size_t len = nl2 ? (apr_size_t)(nl2 - addr) : strlen(addr);
        pg.address = apr_pstrmemdup(p, addr, len);
        pg.kind = amx_address_parse(p, addr, len, &a) == AMX_ADDR_OK
            ? AMX_PAGE_UNKNOWN_DOMAIN : AMX_PAGE_INVALID_ADDRESS;
        if (pg.kind == AMX_PAGE_UNKNOWN_DOMAIN)
            pg.domain = a.domain;
        out = amx_site_render(p, amx_site_template_builtin(p), NULL, &pg);
        /* Markup from the input: an element the built-in template never
         * has, so finding it in the page means it went out unescaped. */
        if (strstr(pg.address, "<fuzz") && strstr(out, "<fuzz"))
            abort();
    }
    if (nl2 && amx_site_template_parse(p, nl2 + 1, size - (apr_size_t)(nl2 + 1 - all), &t) == NULL)
        amx_site_render(p, t, NULL, &pg);
    apr_pool_destroy(p);
    return 0;
}
