/* automx-initdb: not part of this build yet; registered so that
 * configurations naming it load. */
#include "httpd.h"
#include "http_log.h"

#include "mod_automx.h"

APLOG_USE_MODULE(automx);

int amx_serve_initdb(request_rec *r, const amx_dir_conf *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00093: automx-initdb is not implemented in this build");
    return HTTP_NOT_IMPLEMENTED;
}
