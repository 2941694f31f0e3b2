/* Placeholder expansion: one left-to-right pass to measure, one to copy. */
#include <apr_strings.h>
#include <string.h>

#include "amx_placeholder.h"

typedef struct {
    const char *name;
    apr_size_t len;
} placeholder;

static const placeholder placeholders[] = {
    { "%EMAILADDRESS%", sizeof("%EMAILADDRESS%") - 1 },
    { "%EMAILLOCALPART%", sizeof("%EMAILLOCALPART%") - 1 },
    { "%EMAILDOMAIN%", sizeof("%EMAILDOMAIN%") - 1 },
};
#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

/* Index of the placeholder S starts with, or -1. */
static int match(const char *s)
{
    for (unsigned k = 0; k < NPLACEHOLDERS; k++) {
        if (strncmp(s, placeholders[k].name, placeholders[k].len) == 0)
            return (int)k;
    }
    return -1;
}

/* Writes the expansion of S to OUT (when not NULL); returns its length. */
static apr_size_t expand(const char *s, const char *const values[],
                         const apr_size_t lengths[], char *out)
{
    apr_size_t n = 0;

    while (*s) {
        int k = (*s == '%') ? match(s) : -1;
        if (k >= 0) {
            if (out)
                memcpy(out + n, values[k], lengths[k]);
            n += lengths[k];
            s += placeholders[k].len;
        }
        else {
            if (out)
                out[n] = *s;
            n++;
            s++;
        }
    }
    return n;
}

const char *amx_placeholder_expand(apr_pool_t *p, const char *s,
                                   const amx_address *addr)
{
    const char *values[NPLACEHOLDERS];
    apr_size_t lengths[NPLACEHOLDERS];
    apr_size_t n;
    char *out;

    if (s == NULL || addr == NULL || strchr(s, '%') == NULL)
        return s;
    values[0] = addr->address;
    values[1] = addr->local;
    values[2] = addr->domain;
    for (unsigned k = 0; k < NPLACEHOLDERS; k++)
        lengths[k] = strlen(values[k]);
    n = expand(s, values, lengths, NULL);
    out = apr_palloc(p, n + 1);
    expand(s, values, lengths, out);
    out[n] = '\0';
    return out;
}
