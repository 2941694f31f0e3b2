/* POST /autodiscover/autodiscover.xml and the JSON pre-flight: not part of
 * this build yet; registered so that configurations naming them load. */
#include "httpd.h"
#include "http_log.h"

#include "mod_automx.h"

APLOG_USE_MODULE(automx);

int amx_serve_autodiscover_xml(request_rec *r, const amx_dir_conf *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00090: Autodiscover is not implemented in this build");
    return HTTP_NOT_IMPLEMENTED;
}

int amx_serve_autodiscover_json(request_rec *r, const amx_dir_conf *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00091: the Autodiscover JSON pre-flight is not implemented in this build");
    return HTTP_NOT_IMPLEMENTED;
}
