/*
 * Endpoints whose protocol units are not part of this build yet. They are
 * registered so that configurations naming them load, and answer 501.
 */
#include "httpd.h"
#include "http_log.h"

#include "mod_automx.h"

APLOG_USE_MODULE(automx);

static int not_implemented(request_rec *r, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00090: %s is not implemented in this build", what);
    return HTTP_NOT_IMPLEMENTED;
}

int amx_serve_autodiscover_xml(request_rec *r, const amx_dir_conf *conf)
{
    return not_implemented(r, "Autodiscover");
}

int amx_serve_autodiscover_json(request_rec *r, const amx_dir_conf *conf)
{
    return not_implemented(r, "the Autodiscover JSON pre-flight");
}

int amx_serve_mobileconfig(request_rec *r, const amx_dir_conf *conf)
{
    return not_implemented(r, "Mobileconfig");
}

int amx_serve_initdb(request_rec *r, const amx_dir_conf *conf)
{
    return not_implemented(r, "automx-initdb");
}
