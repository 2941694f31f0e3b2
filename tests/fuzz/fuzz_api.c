/* The provisioning API's request bodies and query strings: parsed as the
 * handler parses them, checked as every resource, merged as a patch into
 * a stored row, and written back with an ETag. */
#include "fuzz_common.h"
#include <apr_strings.h>

#include "amx_api_doc.h"
#include "amx_api_resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const amx_api_resource *const *res;
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    const char *args = apr_pstrndup(p, (const char *)data, size), *field = NULL;
    long limit, after;

    if (amx_api_page_args(p, args, &limit, &after, &field) == NULL
        && (limit < 1 || limit > AMX_API_PAGE_MAX || after < 0))
        __builtin_trap();
    amx_api_arg(p, args, "cascade");
    amx_api_etag_listed(p, args, "\"0123\"", 0);
    for (res = amx_api_resources; body && *res; res++) {
        amx_api_row *row = amx_api_row_make(p, *res);
        json_t *shown, *merged;
        field = NULL;
        if (amx_api_row_from_json(p, *res, body, 3, row, &field) == NULL) {
            shown = amx_api_row_json(*res, row);
            if (shown == NULL)
                __builtin_trap();
            merged = amx_api_merge_patch(shown, body);
            amx_api_etag(p, amx_api_canonical(p, merged));
            json_decref(merged);
            json_decref(shown);
        }
    }
    json_decref(body);
    apr_pool_destroy(p);
    return 0;
}
