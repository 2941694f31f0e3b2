/* Validation and normalisation of mail addresses and domains. */
#include <apr_strings.h>
#include <apr_lib.h>
#include <string.h>
#include <strings.h>

#include "amx_address.h"
#include "amx_idn.h"

int amx_utf8_valid(const char *str, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    apr_size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        apr_size_t n;
        unsigned long cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        }
        else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (apr_size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
            || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += n + 1;
    }
    return 1;
}

const char *amx_domain_normalize(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *d;

    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0)
        return NULL;
    d = apr_pstrmemdup(p, s, len);
    for (apr_size_t i = 0; i < len; i++) {
        /* ASCII only: bytes of UTF-8 sequences stay as they are. */
        if (d[i] >= 'A' && d[i] <= 'Z')
            d[i] = (char)(d[i] - 'A' + 'a');
    }
    return d;
}

amx_addr_status amx_address_parse(apr_pool_t *p, const char *s, apr_size_t len,
                                  amx_address *out)
{
    const char *at = NULL, *domain, *other;
    apr_size_t i;

    if (s == NULL || len == 0)
        return AMX_ADDR_EMPTY;
    if (len > AMX_ADDRESS_MAX)
        return AMX_ADDR_TOO_LONG;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t')
            return AMX_ADDR_SPACE;
        if (c < 0x20 || c == 0x7F)
            return AMX_ADDR_CONTROL;
        if (c == '@') {
            if (at != NULL)
                return AMX_ADDR_MANY_AT;
            at = s + i;
        }
    }
    if (!amx_utf8_valid(s, len))
        return AMX_ADDR_UTF8;
    if (at == NULL)
        return AMX_ADDR_NO_AT;
    if (at == s)
        return AMX_ADDR_EMPTY_LOCAL;
    domain = amx_domain_normalize(p, at + 1, len - (apr_size_t)(at - s) - 1);
    if (domain == NULL)
        return AMX_ADDR_EMPTY_DOMAIN;
    if (amx_idn_forms(p, domain, &out->domain, &other) != 0)
        return AMX_ADDR_IDN;
    out->local = apr_pstrmemdup(p, s, (apr_size_t)(at - s));
    out->address = apr_pstrcat(p, out->local, "@", out->domain, NULL);
    return AMX_ADDR_OK;
}

void amx_address_rebase(apr_pool_t *p, amx_address *addr, const char *stored)
{
    if (addr == NULL || stored == NULL || strcasecmp(addr->domain, stored) == 0)
        return;
    addr->domain = stored;
    addr->address = apr_pstrcat(p, addr->local, "@", stored, NULL);
}

const char *amx_address_strerror(amx_addr_status st)
{
    switch (st) {
    case AMX_ADDR_OK:
        return "valid";
    case AMX_ADDR_EMPTY:
        return "missing or empty";
    case AMX_ADDR_TOO_LONG:
        return "longer than 320 octets";
    case AMX_ADDR_NO_AT:
        return "no '@'";
    case AMX_ADDR_MANY_AT:
        return "more than one '@'";
    case AMX_ADDR_EMPTY_LOCAL:
        return "empty local part";
    case AMX_ADDR_EMPTY_DOMAIN:
        return "empty domain part";
    case AMX_ADDR_CONTROL:
        return "control character";
    case AMX_ADDR_SPACE:
        return "white space";
    case AMX_ADDR_UTF8:
        return "invalid UTF-8";
    case AMX_ADDR_IDN:
        return "invalid internationalised domain name";
    }
    return "invalid";
}

const char *amx_domain_from_host(apr_pool_t *p, const char *host)
{
    static const char label[] = "autoconfig.";
    const char *end;

    if (host == NULL)
        return NULL;
    /* "[v6]:port" has no mail domain in it; "name:port" loses the port. */
    if (host[0] == '[')
        return amx_domain_normalize(p, host, strlen(host));
    end = strchr(host, ':');
    if (end == NULL)
        end = host + strlen(host);
    if ((apr_size_t)(end - host) > sizeof(label) - 1
        && strncasecmp(host, label, sizeof(label) - 1) == 0)
        host += sizeof(label) - 1;
    return amx_domain_normalize(p, host, (apr_size_t)(end - host));
}
