/* GET /mobileconfig/: not part of this build yet; registered so that
 * configurations naming it load. */
#include "httpd.h"
#include "http_log.h"

#include "mod_automx.h"

APLOG_USE_MODULE(automx);

int amx_serve_mobileconfig(request_rec *r, const amx_dir_conf *conf)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "AMX00092: Mobileconfig is not implemented in this build");
    return HTTP_NOT_IMPLEMENTED;
}
