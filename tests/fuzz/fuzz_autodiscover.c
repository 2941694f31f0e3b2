/* The Autodiscover request reader, fed in two chunks. */
#include "fuzz_common.h"
#include "amx_autodiscover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    amx_ad_reader *rd = amx_ad_reader_create(p);
    amx_ad_request req;
    size_t half = size / 2;

    amx_ad_reader_feed(rd, (const char *)data, half);
    amx_ad_reader_feed(rd, (const char *)data + half, size - half);
    if (amx_ad_reader_finish(rd, &req) == AMX_AD_OK && req.address == NULL)
        __builtin_trap();
    apr_pool_destroy(p);
    return 0;
}
