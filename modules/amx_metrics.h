/*
 * The module's counters in shared memory, the handler automx-metrics and
 * mod_status's section. The other units count through these calls; none of
 * them takes a lock, and each does nothing under AutomxMetrics Off.
 */
#ifndef AMX_METRICS_H
#define AMX_METRICS_H

#include "httpd.h"
#include "http_config.h"

#include "amx_metrics_format.h"

/* The hooks: counters made in post_config, a slot taken in child_init,
 * requests counted in log_transaction, the handler, mod_status's hook. */
void amx_metrics_register_hooks(apr_pool_t *p);

/* AutomxMetrics On|Off (server-wide). */
const char *amx_metrics_set_enabled(cmd_parms *cmd, void *dummy, int on);

/* R is answered by endpoint E (AMX_EP_NONE: handler automx has none at
 * the path); log_transaction counts it under E and its final status. */
void amx_metrics_route(request_rec *r, amx_endpoint e);

/* Where a 503 is decided: why. The last cause given for R is counted if
 * R's final status is 503. */
void amx_metrics_unavailable(request_rec *r, amx_cause cause);

/* The domain cache answered (HIT) or the database had to be asked. */
void amx_metrics_cache(int hit);
/* A reply from cached data while the database failed; a read of the
 * change counter. */
void amx_metrics_cache_stale(void);
void amx_metrics_cache_check(void);

/* The start of a timed operation (0 when the counters are off). */
apr_time_t amx_metrics_now(void);
/* A database statement begun at START has ended; returns RV. */
int amx_metrics_db(apr_time_t start, int rv);
/* A directory lookup begun at START has ended with RESULT. */
void amx_metrics_ldap(amx_ldap_result result, apr_time_t start);

#endif
