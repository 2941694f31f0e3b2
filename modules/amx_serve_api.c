/*
 * automx-api: the provisioning API for control panels (SPEC §16). Routes a
 * request below the handler's <Location> to a resource, checks the
 * method, the body and the preconditions, runs the work in one
 * transaction and answers JSON, or a problem document (RFC 9457).
 * Authentication is httpd's: this handler never sees who is asking.
 */
#include "httpd.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "amx_serve.h"
#include "amx_api_db.h"
#include "amx_api_doc.h"
#include "amx_api_problem.h"
#include "amx_api_resource.h"
#include "amx_http.h"
#include "amx_openapi_gen.h"
#include "amx_seed.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

typedef struct {
    request_rec *r;
    const amx_dir_conf *conf;
    const char *root;               /* the API's URL, ending in "/" */
    const amx_api_resource *res;
    const char *key;                /* an item's id or name; NULL: the collection */
    json_t *body;
    long limit, after;
    int cascade;
    /* The reply: a document (with its ETag), or a problem. */
    int status;
    json_t *reply;
    int etag;
    const char *location;
    const char *detail, *field, *reason;
    int logged;                     /* the refusal is in the log already */
} api_req;

static json_t *owned(api_req *q, json_t *j)
{
    if (j)
        apr_pool_cleanup_register(q->r->pool, j, amx_seed_json_cleanup, apr_pool_cleanup_null);
    return j;
}

/* A refusal for the work functions: STATUS, with what to say. */
static int refuse(api_req *q, int status, const char *detail, const char *field,
                  const char *reason)
{
    q->detail = detail;
    q->field = field;
    q->reason = reason;
    return status;
}

/* ---- replies -------------------------------------------------------------- */

static int send_json(request_rec *r, const char *type, const char *body)
{
    amx_http_out out;
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)strlen(body) + 1);
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    ap_fputs(r->output_filters, out.bb, body);
    ap_fputs(r->output_filters, out.bb, "\n");
    return amx_http_out_finish(&out);
}

static int problem(api_req *q, int status)
{
    request_rec *r = q->r;
    json_t *doc = owned(q, amx_api_problem(r->pool, status, ap_get_status_line(status) + 4,
                                           q->detail, q->field, q->reason));
    const char *at = q->field ? apr_psprintf(r->pool, " (%s: %s)", q->field,
                                             q->reason ? q->reason : "") : "";
    if (!q->logged)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "AMX02001: %s %s: %d %s%s", r->method,
                      r->uri, status, q->detail ? q->detail : "", at);
    r->status = status;
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE)
        r->connection->keepalive = AP_CONN_CLOSE;  /* the rest is not read */
    return send_json(r, "application/problem+json", amx_api_canonical(r->pool, doc));
}

static int reply(api_req *q)
{
    request_rec *r = q->r;
    const char *body, *etag;

    r->status = q->status;
    if (q->location)
        apr_table_setn(r->headers_out, "Location", q->location);
    if (q->reply == NULL) {
        ap_set_content_length(r, 0);
        return OK;
    }
    body = amx_api_canonical(r->pool, q->reply);
    if (q->etag) {
        etag = amx_api_etag(r->pool, body);
        apr_table_setn(r->headers_out, "ETag", etag);
        if (r->method_number == M_GET && apr_table_get(r->headers_in, "If-None-Match")
            && amx_api_etag_listed(r->pool, apr_table_get(r->headers_in, "If-None-Match"),
                                   etag, 1)) {
            r->status = HTTP_NOT_MODIFIED;
            return OK;
        }
    }
    return send_json(r, "application/json", body);
}

/* ---- the work, in a transaction ---------------------------------------- */

static const char *item_url(api_req *q, const amx_api_row *row)
{
    return apr_pstrcat(q->r->pool, q->root, q->res->path, "/",
                       q->res->by_name ? ap_escape_uri(q->r->pool, row->values[0])
                                       : apr_ltoa(q->r->pool, row->id), NULL);
}

/* The item the URL names: 1 with *ROW, or a status. */
static int find(amx_api_db *db, api_req *q, amx_api_row **row)
{
    int rv;
    if (q->res->by_name) {
        rv = amx_api_db_get_domain(db, q->key, row);
    }
    else {
        char *end;
        long id = strtol(q->key, &end, 10);
        if (*end || id < 1 || q->key[0] < '1' || q->key[0] > '9' || strlen(q->key) > 10)
            return refuse(q, HTTP_NOT_FOUND, apr_psprintf(q->r->pool, "no %s with id \"%s\"",
                                                          q->res->table, q->key), NULL, NULL);
        rv = amx_api_db_get(db, q->res, id, row);
    }
    if (rv < 0)
        return -1;
    if (rv == 0)
        return refuse(q, HTTP_NOT_FOUND, apr_psprintf(q->r->pool, "no %s \"%s\"",
                                                      q->res->table, q->key), NULL, NULL);
    return 1;
}

/* A stale If-Match: 412. */
static int precondition(api_req *q, const amx_api_row *row)
{
    const char *want = apr_table_get(q->r->headers_in, "If-Match");
    const char *etag;
    if (want == NULL)
        return 0;
    etag = amx_api_etag(q->r->pool, amx_api_canonical(q->r->pool,
                                                      owned(q, amx_api_row_json(q->res, row))));
    if (amx_api_etag_listed(q->r->pool, want, etag, 0))
        return 0;
    return refuse(q, HTTP_PRECONDITION_FAILED, apr_psprintf(q->r->pool,
                  "the %s has changed: its ETag is now %s", q->res->table, etag), NULL, NULL);
}

static int done(amx_api_db *db, api_req *q, int status, long id)
{
    amx_api_row *row;
    if (amx_api_db_get(db, q->res, id, &row) != 1)
        return -1;
    q->status = status;
    q->reply = owned(q, amx_api_row_json(q->res, row));
    q->etag = 1;
    if (status == HTTP_CREATED)
        q->location = item_url(q, row);
    return 0;
}

static int work_get(amx_api_db *db, void *ctx)
{
    api_req *q = ctx;
    amx_api_row *row;
    int rv = find(db, q, &row);
    if (rv != 1)
        return rv;
    q->status = HTTP_OK;
    q->reply = owned(q, amx_api_row_json(q->res, row));
    q->etag = 1;
    return 0;
}

static int work_list(amx_api_db *db, void *ctx)
{
    api_req *q = ctx;
    apr_array_header_t *rows;
    json_t *items;
    int more, i;

    if (amx_api_db_list(db, q->res, q->after, q->limit, &rows, &more) != 0)
        return -1;
    q->reply = owned(q, json_object());
    items = json_array();
    for (i = 0; i < rows->nelts; i++)
        json_array_append_new(items, amx_api_row_json(q->res, APR_ARRAY_IDX(rows, i, amx_api_row *)));
    json_object_set_new(q->reply, "items", items);
    if (more) {
        const char *next = apr_psprintf(q->r->pool, "%s%s?limit=%ld&after=%ld", q->root,
                                        q->res->path, q->limit,
                                        APR_ARRAY_IDX(rows, rows->nelts - 1, amx_api_row *)->id);
        json_object_set_new(q->reply, "next", json_string(next));
        apr_table_setn(q->r->headers_out, "Link",
                       apr_pstrcat(q->r->pool, "<", next, ">; rel=\"next\"", NULL));
    }
    q->status = HTTP_OK;
    q->etag = 1;
    return 0;
}

/* What the row refers to exists: its provider, LDAP server, linked rows. */
static int references(amx_api_db *db, api_req *q, const amx_api_row *row)
{
    int i, k, rv;
    for (i = 0; i < q->res->ncols; i++) {
        const amx_api_col *c = &q->res->cols[i];
        if (c->ref == NULL || row->values[i] == NULL)
            continue;
        rv = amx_api_db_exists(db, c->ref, strtol(row->values[i], NULL, 10));
        if (rv < 0)
            return -1;
        if (rv == 0)
            return refuse(q, HTTP_BAD_REQUEST, "a reference to nothing", c->name,
                          apr_psprintf(q->r->pool, "no %s with id %s", c->ref, row->values[i]));
    }
    for (i = 0; i < q->res->nlinks; i++) {
        const amx_api_link *l = &q->res->links[i];
        for (k = 0; k < row->links[i]->nelts; k++) {
            long id = APR_ARRAY_IDX(row->links[i], k, long);
            rv = amx_api_db_exists(db, l->target, id);
            if (rv < 0)
                return -1;
            if (rv == 0)
                return refuse(q, HTTP_BAD_REQUEST, "a link to nothing",
                              apr_psprintf(q->r->pool, "%s[%d]", l->member, k),
                              apr_psprintf(q->r->pool, "no %s with id %ld", l->target, id));
        }
    }
    if (q->res->by_name) {
        amx_api_row *other;
        rv = amx_api_db_domain_taken(db, row->values[0], row->id, &other);
        if (rv < 0)
            return -1;
        if (rv == 1)
            return refuse(q, HTTP_CONFLICT, apr_psprintf(q->r->pool, "the domain \"%s\" "
                          "already exists", other->values[0]), "name", "already exists");
    }
    return 0;
}

/* The body as a row of the resource with id ID; 0 or 400. */
static int checked_row(api_req *q, json_t *doc, long id, amx_api_row **row)
{
    const char *field = NULL, *why;
    *row = amx_api_row_make(q->r->pool, q->res);
    why = amx_api_row_from_json(q->r->pool, q->res, doc, id, *row, &field);
    if (why)
        return refuse(q, HTTP_BAD_REQUEST, field ? "an invalid value" : why, field, why);
    return 0;
}

static int work_create(amx_api_db *db, void *ctx)
{
    api_req *q = ctx;
    amx_api_row *row;
    int rv;

    if ((rv = checked_row(q, q->body, 0, &row)) != 0
        || (rv = references(db, q, row)) != 0
        || (rv = amx_api_db_insert(db, q->res, row)) != 0)
        return rv;
    return done(db, q, HTTP_CREATED, row->id);
}

static int work_replace(amx_api_db *db, void *ctx)
{
    api_req *q = ctx;
    amx_api_row *old, *row;
    json_t *doc;
    int rv, i;

    if ((rv = find(db, q, &old)) != 1 || (rv = precondition(q, old)) != 0)
        return rv;
    doc = q->r->method_number == M_PATCH
        ? owned(q, amx_api_merge_patch(owned(q, amx_api_row_json(q->res, old)), q->body))
        : q->body;
    /* A secret is never shown, so a client cannot send it back: left out,
     * it stays as it is; null clears it. */
    for (i = 0; json_is_object(doc) && i < q->res->ncols; i++) {
        const amx_api_col *c = &q->res->cols[i];
        if (c->secret && json_object_get(doc, c->name) == NULL
            && json_object_get(q->body, c->name) == NULL && old->values[i]) {
            if (doc == q->body)
                doc = owned(q, json_deep_copy(q->body));
            json_object_set_new(doc, c->name, json_string(old->values[i]));
        }
    }
    if ((rv = checked_row(q, doc, old->id, &row)) != 0
        || (rv = references(db, q, row)) != 0
        || (rv = amx_api_db_update(db, q->res, row)) != 0)
        return rv;
    return done(db, q, HTTP_OK, row->id);
}

static int work_delete(amx_api_db *db, void *ctx)
{
    api_req *q = ctx;
    amx_api_row *row;
    long n = 0;
    int rv;

    if ((rv = find(db, q, &row)) != 1 || (rv = precondition(q, row)) != 0)
        return rv;
    if (q->res->children) {
        if (amx_api_db_count(db, q->res->children, q->res->children_ref, row->id, &n) != 0)
            return -1;
        if (n > 0 && !q->cascade)
            return refuse(q, HTTP_CONFLICT, apr_psprintf(q->r->pool, "the %s still has %ld "
                          "domain(s): delete them first, or ask for ?cascade=true",
                          q->res->table, n), NULL, NULL);
    }
    if (amx_api_db_delete(db, q->res, row->id, q->cascade) != 0)
        return -1;
    q->status = HTTP_NO_CONTENT;
    return 0;
}

/* ---- the request ---------------------------------------------------------- */

/* The JSON body of a write: OK, or the status of its problem. */
static int read_body(api_req *q)
{
    request_rec *r = q->r;
    const char *type = r->method_number == M_PATCH ? "application/merge-patch+json"
                                                   : "application/json";
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    json_error_t jerr;
    char *body;
    apr_size_t len;
    int rv;

    if (!amx_http_media_type_is(ct, type))
        return refuse(q, HTTP_UNSUPPORTED_MEDIA_TYPE, apr_psprintf(r->pool, "%s takes %s, "
                      "not %s", r->method, type, ct ? ct : "a body without a type"), NULL, NULL);
    rv = amx_http_read_all(r, amx_conf_request_body_max(q->conf), "API request", &body, &len);
    q->logged = rv != OK;   /* by the body's reader */
    if (rv == HTTP_REQUEST_ENTITY_TOO_LARGE)
        return refuse(q, rv, apr_psprintf(r->pool, "the body is over %" APR_OFF_T_FMT
                      " bytes (AutomxRequestBodyLimit)", amx_conf_request_body_max(q->conf)),
                      NULL, NULL);
    if (rv != OK)
        return refuse(q, rv, "the body could not be read", NULL, NULL);
    q->body = owned(q, json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr));
    if (q->body == NULL)
        return refuse(q, HTTP_BAD_REQUEST, apr_psprintf(r->pool, "malformed JSON at line %d, "
                      "column %d: %s", jerr.line, jerr.column, jerr.text), NULL, NULL);
    if (!json_is_object(q->body))
        return refuse(q, HTTP_BAD_REQUEST, "the body must be a JSON object", NULL, NULL);
    return OK;
}

/* The API's root: where everything is. */
static int serve_root(api_req *q)
{
    const amx_api_resource *const *res;
    json_t *links = json_object();
    q->reply = owned(q, json_object());
    for (res = amx_api_resources; *res; res++)
        json_object_set_new(links, (*res)->path,
                            json_string(apr_pstrcat(q->r->pool, q->root, (*res)->path, NULL)));
    json_object_set_new(q->reply, "resources", links);
    json_object_set_new(q->reply, "openapi",
                        json_string(apr_pstrcat(q->r->pool, q->root, "openapi.json", NULL)));
    q->status = HTTP_OK;
    q->etag = 1;
    return reply(q);
}

static int not_allowed(api_req *q, const char *allow)
{
    apr_table_setn(q->r->headers_out, "Allow", allow);
    return problem(q, refuse(q, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(q->r->pool,
                   "%s is not allowed here (%s)", q->r->method, allow), NULL, NULL));
}

/* Splits the URL below the API's root: 0, or 404. The root is the
 * <Location> whose SetHandler chose this handler: the last section core
 * merged. */
static int route(api_req *q)
{
    request_rec *r = q->r;
    const core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    const char *loc = core->d && core->r == NULL ? core->d : "/";
    size_t n = strlen(loc);
    const char *rest, *slash;

    while (n > 0 && loc[n - 1] == '/')
        n--;
    if (strncmp(r->uri, loc, n) != 0 || (r->uri[n] != '/' && r->uri[n] != '\0'))
        return refuse(q, HTTP_NOT_FOUND, "not below the API's <Location>", NULL, NULL);
    q->root = apr_pstrcat(r->pool, apr_pstrndup(r->pool, loc, n), "/", NULL);
    rest = r->uri[n] == '/' ? r->uri + n + 1 : r->uri + n;
    if (*rest == '\0' || strcmp(rest, "openapi.json") == 0) {
        q->key = rest;
        return 0;
    }
    slash = strchr(rest, '/');
    q->res = amx_api_resource_find(rest, slash ? (size_t)(slash - rest) : strlen(rest));
    if (q->res == NULL || (slash && (slash[1] == '\0' || strchr(slash + 1, '/'))))
        return refuse(q, HTTP_NOT_FOUND, apr_psprintf(r->pool, "no resource at %s", r->uri),
                      NULL, NULL);
    q->key = slash ? slash + 1 : NULL;
    return 0;
}

int amx_serve_api(request_rec *r, const amx_dir_conf *conf)
{
    api_req q;
    amx_api_work_fn work;
    ap_dbd_t *dbd;
    const char *error = NULL, *field = NULL, *why;
    int m = r->method_number, rv;

    memset(&q, 0, sizeof(q));
    q.r = r;
    q.conf = conf;
    if (route(&q) != 0)
        return problem(&q, HTTP_NOT_FOUND);
    if (q.res == NULL) {
        if (m != M_GET)
            return not_allowed(&q, "GET, HEAD");
        if (*q.key == '\0')
            return serve_root(&q);
        apr_table_setn(r->headers_out, "ETag", amx_api_etag(r->pool, amx_openapi_json));
        return send_json(r, "application/json", amx_openapi_json);
    }
    if (q.key == NULL) {
        if (m != M_GET && m != M_POST)
            return not_allowed(&q, "GET, HEAD, POST");
        work = m == M_GET ? work_list : work_create;
        if (m == M_GET && (why = amx_api_page_args(r->pool, r->args, &q.limit, &q.after,
                                                    &field)) != NULL)
            return problem(&q, refuse(&q, HTTP_BAD_REQUEST, "an invalid query parameter",
                                      field, why));
    }
    else {
        if (m != M_GET && m != M_PUT && m != M_PATCH && m != M_DELETE)
            return not_allowed(&q, "GET, HEAD, PUT, PATCH, DELETE");
        work = m == M_GET ? work_get : m == M_DELETE ? work_delete : work_replace;
        why = amx_api_arg(r->pool, r->args, "cascade");
        q.cascade = why && (strcmp(why, "true") == 0 || strcmp(why, "1") == 0);
    }
    if ((m == M_POST || m == M_PUT || m == M_PATCH) && (rv = read_body(&q)) != OK)
        return problem(&q, rv);
    if ((dbd = amx_store_acquire(r)) == NULL)
        return amx_http_unavailable(r, conf);
    rv = amx_api_db_run(r, dbd, m != M_GET, work, &q, &error);
    if (rv < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "AMX02002: %s %s failed, nothing written: %s",
                      r->method, r->uri, error ? error : "unknown error");
        return amx_http_unavailable(r, conf);
    }
    if (rv > 0)
        return problem(&q, rv);
    if (m != M_GET) {
        /* This host's processes drop what they cached at once; the change
         * counter tells every other. */
        amx_store_invalidate();
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "AMX02003: %s %s: %d", r->method,
                      r->uri, q.status);
    }
    return reply(&q);
}
