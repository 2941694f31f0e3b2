/* The A-label and U-label forms of a domain name, through libidn2. */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <idn2.h>

#include "amx_idn.h"

/* 1 when S has a byte outside ASCII, 0 when it is ASCII with an "xn--"
 * label, -1 when it is ASCII without one (nothing to convert). */
static int kind(const char *s)
{
    const char *c;
    int alabel = 0;

    for (c = s; *c; c++) {
        if ((unsigned char)*c >= 0x80)
            return 1;
        if ((c == s || c[-1] == '.') && strncmp(c, "xn--", 4) == 0)
            alabel = 1;
    }
    return alabel ? 0 : -1;
}

/* libidn2's result copied into P (it allocates with malloc). */
static const char *pooled(apr_pool_t *p, char *s)
{
    const char *copy = apr_pstrdup(p, s);
    idn2_free(s);
    return copy;
}

int amx_idn_forms(apr_pool_t *p, const char *domain, const char **lookup,
                  const char **other)
{
    /* UTS #46 non-transitional mapping before the IDNA 2008 rules: it folds
     * case and width as a browser does ("MÜNCHEN.de") and keeps ß and ς,
     * which IDNA 2008 made letters of their own. */
    const int flags = IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL;
    char *a = NULL, *u = NULL;
    const char *alabels, *ulabels;
    int k = kind(domain);

    *lookup = NULL;
    *other = NULL;
    if (k < 0) {
        *lookup = domain;
        return 0;
    }
    if (idn2_to_ascii_8z(domain, &a, flags) != IDN2_OK)
        return -1;
    alabels = pooled(p, a);
    if (idn2_to_unicode_8z8z(alabels, &u, 0) != IDN2_OK)
        return -1;
    ulabels = pooled(p, u);
    /* libidn2 takes some A-labels whose U-labels it refuses as input (one
     * decoding to U+00B4, say): valid is only a pair that leads back to
     * each other. */
    if (idn2_to_ascii_8z(ulabels, &a, flags) != IDN2_OK)
        return -1;
    if (strcmp(pooled(p, a), alabels) != 0)
        return -1;
    if (strcmp(alabels, ulabels) == 0) {
        /* Mapped to plain ASCII ("ｅｘａｍｐｌｅ.com"): one form only. */
        *lookup = alabels;
        return 0;
    }
    *lookup = k > 0 ? ulabels : alabels;
    *other = k > 0 ? alabels : ulabels;
    return 0;
}
