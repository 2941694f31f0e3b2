/* Numbers in directive arguments; see amx_number.h. */
#include <apr_lib.h>

#include "amx_number.h"

int amx_number_parse(const char *arg, int size, apr_int64_t min, apr_int64_t max,
                     apr_int64_t *out)
{
    apr_int64_t n = 0, unit = 1;
    const char *c = arg;

    if (arg == NULL || !apr_isdigit(*c))
        return -1;
    for (; apr_isdigit(*c); c++) {
        /* Past MAX is refused anyway; stopping here keeps N from
         * overflowing on a long run of digits. */
        if (n > max)
            return -1;
        n = n * 10 + (*c - '0');
    }
    if (size && (*c == 'k' || *c == 'K'))
        unit = 1024, c++;
    else if (size && (*c == 'm' || *c == 'M'))
        unit = 1024 * 1024, c++;
    if (*c != '\0' || n > max / unit)
        return -1;
    n *= unit;
    if (n < min || n > max)
        return -1;
    *out = n;
    return 0;
}
