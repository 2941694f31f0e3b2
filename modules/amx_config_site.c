/* The directives of the self-service page and of the DNS records
 * (SPEC sections 9 and 13), kept apart from amx_config.c's protocol
 * directives. Everything is checked here, when httpd reads the
 * configuration, so that configtest names what is wrong. */
#include <string.h>
#include "httpd.h"
#include "http_config.h"
#include "apr_file_io.h"
#include "apr_strings.h"

#include "amx_address.h"
#include "amx_autoconfig.h"
#include "amx_config.h"
#include "amx_config_site.h"
#include "amx_site_page.h"

const char *amx_conf_public_host(const amx_dir_conf *c, const server_rec *s)
{
    return c->public_host ? c->public_host : s->server_hostname;
}

const char *amx_config_set_public_host(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    size_t n = strlen(arg);
    const char *name = n && arg[n - 1] == '.' ? apr_pstrndup(cmd->pool, arg, n - 1) : arg;
    if (!amx_ac_hostname_valid(name) || *name == '\0')
        return apr_psprintf(cmd->pool, "%s: '%s' is not an ASCII host name", cmd->cmd->name, arg);
    c->public_host = name;
    return NULL;
}

const char *amx_config_set_site_title(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    const char *s;
    for (s = arg; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            break;
    }
    if (*s || !*arg || !amx_utf8_valid(arg, strlen(arg)))
        return apr_psprintf(cmd->pool, "%s: the title must be printable UTF-8", cmd->cmd->name);
    c->site_title = arg;
    return NULL;
}

/* A link the page may carry: a path on this site or an absolute URL of a
 * scheme that cannot run script. */
static const char *site_url(cmd_parms *cmd, const char *arg, int mailto, const char **out)
{
    if (arg[0] == '/' || strncasecmp(arg, "https://", 8) == 0
        || strncasecmp(arg, "http://", 7) == 0 || (mailto && strncasecmp(arg, "mailto:", 7) == 0)) {
        *out = arg;
        return NULL;
    }
    return apr_psprintf(cmd->pool, "%s: '%s' is neither a path nor an http(s)%s URL",
                        cmd->cmd->name, arg, mailto ? " or mailto:" : "");
}

const char *amx_config_set_site_logo(cmd_parms *cmd, void *dconf, const char *arg)
{
    return site_url(cmd, arg, 0, &((amx_dir_conf *)dconf)->site_logo);
}

const char *amx_config_set_site_support(cmd_parms *cmd, void *dconf, const char *arg)
{
    return site_url(cmd, arg, 1, &((amx_dir_conf *)dconf)->site_support);
}

#define SITE_TEMPLATE_MAX (1024 * 1024)

/* Read and parsed now, so that a missing file or a bad placeholder fails
 * the configuration test, not the first visitor. */
const char *amx_config_set_site_template(cmd_parms *cmd, void *dconf, const char *arg)
{
    amx_dir_conf *c = dconf;
    const char *file = ap_server_root_relative(cmd->pool, arg), *why;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len;
    apr_status_t rv;
    char *text, err[256];

    if (file == NULL)
        return apr_psprintf(cmd->pool, "%s: invalid file name '%s'", cmd->cmd->name, arg);
    rv = apr_file_open(&f, file, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, cmd->temp_pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && fi.size > SITE_TEMPLATE_MAX)
        return apr_psprintf(cmd->pool, "%s: %s is larger than %d bytes", cmd->cmd->name, file,
                            SITE_TEMPLATE_MAX);
    if (rv == APR_SUCCESS) {
        len = (apr_size_t)fi.size;
        text = apr_palloc(cmd->temp_pool, len + 1);
        rv = apr_file_read_full(f, text, len, &len);
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
    }
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read %s: %s", cmd->cmd->name, file,
                            apr_strerror(rv, err, sizeof(err)));
    if ((why = amx_site_template_parse(cmd->pool, text, len, &c->site_template)) != NULL)
        return apr_psprintf(cmd->pool, "%s: %s: %s", cmd->cmd->name, file, why);
    return NULL;
}

