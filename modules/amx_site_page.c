/* The self-service page: template, form and settings, all escaped here. */
#include <stdarg.h>
#include <string.h>
#include <openssl/evp.h>
#include <apr_base64.h>
#include <apr_escape.h>
#include <apr_strings.h>

#include "amx_placeholder.h"
#include "amx_site_page.h"

typedef enum { SEG_TEXT, SEG_TITLE, SEG_STYLE, SEG_LOGO, SEG_SUPPORT, SEG_CONTENT } seg_kind;

typedef struct {
    seg_kind kind;
    const char *text;   /* SEG_TEXT */
} segment;

struct amx_site_template {
    apr_array_header_t *segments;
};

static const char *const placeholder_names[] = {
    NULL, "title", "style", "logo", "support", "content"
};

/* No web font, no image, no script: the page must work on a slow phone
 * and under a strict Content-Security-Policy. Under 40rem the tables turn
 * into one block per row with the column names from data-label. */
static const char style_sheet[] =
    ":root{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "line-height:1.5;color:#1b1f24;background:#f4f6f8}"
    "body{margin:0}"
    "header,main,footer{max-width:60rem;margin:0 auto;padding:.75rem 1rem}"
    "header{display:flex;align-items:center;gap:1rem}"
    "header img{max-height:3rem;max-width:40%}"
    "h1{font-size:1.5rem;margin:0}h2{font-size:1.25rem;margin:0 0 .5rem}"
    "h3{font-size:1.05rem;margin:1rem 0 .25rem}"
    "section{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 1rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    "section.problem{border-left:.3rem solid #b3261e}"
    "form{display:flex;flex-wrap:wrap;gap:.5rem}"
    "label{flex-basis:100%;font-weight:600}"
    "input{flex:1 1 12rem;min-width:0;font-size:1rem;padding:.6rem;"
    "border:1px solid #6b7580;border-radius:.3rem}"
    "button,.button{display:inline-block;font-size:1rem;padding:.6rem 1.2rem;border:0;"
    "border-radius:.3rem;background:#0b5cad;color:#fff;text-decoration:none;font-weight:600}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #dde1e5;"
    "vertical-align:top}"
    "td{overflow-wrap:anywhere}"
    "code{font-family:ui-monospace,monospace;font-size:.95em}"
    ".qr{display:flex;flex-wrap:wrap;align-items:center;gap:1rem}"
    ".qr svg{width:10rem;height:auto;flex:none}"
    ".qr p{flex:1 1 12rem;margin:0;overflow-wrap:anywhere}"
    "footer{color:#4a525a}"
    "@media (max-width:40rem){thead{display:none}"
    "table,tbody,tr,td{display:block;width:auto}"
    "tr{border-bottom:2px solid #dde1e5;padding:.4rem 0}"
    "td{border:0;padding:.1rem 0}"
    "td::before{content:attr(data-label) \": \";font-weight:600}}";

static const char builtin_template[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>{{title}}</title>\n"
    /* Browsers ask for /favicon.ico otherwise, and log its 404. */
    "<link rel=\"icon\" href=\"data:,\">\n"
    "{{style}}\n</head>\n<body>\n"
    "<header>{{logo}}<h1>{{title}}</h1></header>\n"
    "<main>\n{{content}}</main>\n"
    "<footer>{{support}}</footer>\n"
    "</body>\n</html>\n";

amx_device amx_site_device(const char *ua)
{
    if (ua == NULL)
        return AMX_DEVICE_DESKTOP;
    if (strstr(ua, "iPhone") || strstr(ua, "iPad") || strstr(ua, "iPod")
        || strstr(ua, "Macintosh"))
        return AMX_DEVICE_APPLE;
    if (strstr(ua, "Android"))
        return AMX_DEVICE_ANDROID;
    return AMX_DEVICE_DESKTOP;
}

static void push_text(apr_pool_t *p, apr_array_header_t *segs, const char *s, apr_size_t n)
{
    segment *g;
    if (n == 0)
        return;
    g = apr_array_push(segs);
    g->kind = SEG_TEXT;
    g->text = apr_pstrmemdup(p, s, n);
}

const char *amx_site_template_parse(apr_pool_t *p, const char *text, apr_size_t len,
                                    const amx_site_template **out)
{
    amx_site_template *t = apr_pcalloc(p, sizeof(*t));
    const char *s = text, *end = text + len;
    int contents = 0;

    *out = NULL;
    if (memchr(text, '\0', len))
        return "the template holds a NUL byte";
    t->segments = apr_array_make(p, 16, sizeof(segment));
    while (s < end) {
        const char *open = NULL, *close, *c;
        size_t k;
        for (c = s; c + 1 < end; c++) {
            if (c[0] == '{' && c[1] == '{') {
                open = c;
                break;
            }
        }
        if (open == NULL)
            break;
        close = NULL;
        for (c = open + 2; c + 1 < end; c++) {
            if (c[0] == '}' && c[1] == '}') {
                close = c;
                break;
            }
        }
        if (close == NULL)
            break;   /* "{{" without "}}" is text */
        push_text(p, t->segments, s, (apr_size_t)(open - s));
        for (k = 1; k < sizeof(placeholder_names) / sizeof(placeholder_names[0]); k++) {
            size_t n = strlen(placeholder_names[k]);
            if ((size_t)(close - open - 2) == n && memcmp(open + 2, placeholder_names[k], n) == 0)
                break;
        }
        if (k == sizeof(placeholder_names) / sizeof(placeholder_names[0]))
            return apr_psprintf(p, "unknown placeholder {{%s}} (known: {{title}}, {{style}}, "
                                "{{logo}}, {{support}}, {{content}})",
                                apr_pstrmemdup(p, open + 2, (apr_size_t)(close - open - 2)));
        ((segment *)apr_array_push(t->segments))->kind = (seg_kind)k;
        if (k == SEG_CONTENT)
            contents++;
        s = close + 2;
    }
    push_text(p, t->segments, s, (apr_size_t)(end - s));
    if (contents != 1)
        return contents ? "{{content}} appears more than once"
                        : "the template has no {{content}} placeholder";
    *out = t;
    return NULL;
}

const amx_site_template *amx_site_template_builtin(apr_pool_t *p)
{
    const amx_site_template *t;
    amx_site_template_parse(p, builtin_template, sizeof(builtin_template) - 1, &t);
    return t;
}

const char *amx_site_style(void)
{
    return style_sheet;
}

const char *amx_site_csp(apr_pool_t *p)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char *b64;

    EVP_Digest(style_sheet, sizeof(style_sheet) - 1, md, &n, EVP_sha256(), NULL);
    b64 = apr_palloc(p, apr_base64_encode_len((int)n));
    apr_base64_encode(b64, (const char *)md, (int)n);
    return apr_pstrcat(p, "default-src 'none'; style-src 'self' 'sha256-", b64, "'; "
                       "img-src 'self' https: data:; form-action 'self'; base-uri 'none'; "
                       "frame-ancestors 'none'", NULL);
}

/* ---- the page ----------------------------------------------------------- */

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *parts;
} buf;

static void put(buf *b, const char *s)
{
    if (s && *s)
        APR_ARRAY_PUSH(b->parts, const char *) = s;
}

static const char *esc(apr_pool_t *p, const char *s)
{
    return s ? apr_pescape_entity(p, s, 0) : "";
}

static void putf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put(b, apr_pvsprintf(b->p, fmt, ap));
    va_end(ap);
}

static void form(buf *b, const char *address)
{
    putf(b, "<form method=\"get\" action=\"/\">"
         "<label for=\"emailaddress\">Your email address</label>"
         "<input type=\"text\" inputmode=\"email\" autocomplete=\"email\" autocapitalize=\"none\" "
         "spellcheck=\"false\" required id=\"emailaddress\" name=\"emailaddress\" "
         "placeholder=\"name@example.com\" value=\"%s\">"
         "<button type=\"submit\">Show my settings</button></form>\n", esc(b->p, address));
}

static void primary_action(buf *b, const amx_site_page *pg)
{
    const char *addr = esc(b->p, pg->address);

    put(b, "<section class=\"primary\">\n");
    switch (pg->device) {
    case AMX_DEVICE_APPLE:
        if (pg->profile_url) {
            putf(b, "<h2>Set up your iPhone, iPad or Mac</h2>\n"
                 "<p><a class=\"button\" id=\"install-profile\" href=\"%s\">Install profile</a></p>\n"
                 "<p>Then open <b>Settings</b>, tap <b>Profile Downloaded</b> (on a Mac: "
                 "<b>System Settings &rsaquo; Privacy &amp; Security &rsaquo; Profiles</b>) "
                 "and install it. You will be asked for the password of %s.</p>\n",
                 esc(b->p, pg->profile_url), addr);
        }
        else {
            put(b, "<h2>Set up your iPhone, iPad or Mac</h2>\n"
                "<p>No profile can be made for this address: add the account by hand with "
                "the settings below.</p>\n");
        }
        break;
    case AMX_DEVICE_ANDROID:
        putf(b, "<h2>Set up your Android phone</h2>\n"
             "<p>Install <b>Thunderbird for Android</b> (or K-9 Mail), choose <b>Add account</b> "
             "and enter %s and your password: the app finds these settings by itself.</p>\n",
             addr);
        break;
    default:
        putf(b, "<h2>Set up your computer</h2>\n"
             "<p><b>Thunderbird</b> and <b>Outlook</b> configure themselves: add an account, "
             "enter %s and your password, and they find these settings by themselves.</p>\n",
             addr);
        if (pg->profile_url)
            putf(b, "<p>On an iPhone, iPad or Mac: <a id=\"install-profile\" href=\"%s\">"
                 "install the profile</a>.</p>\n", esc(b->p, pg->profile_url));
        break;
    }
    put(b, "</section>\n");
}

static void settings_tables(buf *b, const amx_site_page *pg)
{
    int i;

    put(b, "<section class=\"manual\">\n<h2>Settings for any other program</h2>\n");
    if (pg->servers == NULL || pg->servers->nelts == 0) {
        put(b, "<p>This domain has no mail servers.</p>\n");
    }
    else {
        put(b, "<table id=\"mail-settings\"><thead><tr><th>Server</th><th>Host name</th>"
            "<th>Port</th><th>Security</th><th>User name</th></tr></thead><tbody>\n");
        for (i = 0; i < pg->servers->nelts; i++) {
            const amx_site_server *s = &APR_ARRAY_IDX(pg->servers, i, amx_site_server);
            putf(b, "<tr><td data-label=\"Server\">%s</td>"
                 "<td data-label=\"Host name\"><code>%s</code></td>"
                 "<td data-label=\"Port\">%d</td><td data-label=\"Security\">%s</td>"
                 "<td data-label=\"User name\"><code>%s</code></td></tr>\n",
                 esc(b->p, s->role), esc(b->p, s->host), s->port, esc(b->p, s->security),
                 esc(b->p, s->username));
        }
        put(b, "</tbody></table>\n<p>Password: the password of your mail account.</p>\n");
    }
    if (pg->dav && pg->dav->nelts > 0) {
        put(b, "<h3>Calendar and contacts</h3>\n"
            "<table id=\"dav-settings\"><thead><tr><th>Service</th><th>URL</th>"
            "<th>User name</th></tr></thead><tbody>\n");
        for (i = 0; i < pg->dav->nelts; i++) {
            const amx_site_dav *v = &APR_ARRAY_IDX(pg->dav, i, amx_site_dav);
            putf(b, "<tr><td data-label=\"Service\">%s</td><td data-label=\"URL\"><code>%s</code>"
                 "</td><td data-label=\"User name\"><code>%s</code></td></tr>\n",
                 esc(b->p, v->role), esc(b->p, v->url),
                 v->username ? esc(b->p, v->username) : "(as for mail)");
        }
        put(b, "</tbody></table>\n");
    }
    put(b, "</section>\n");
}

static void content(buf *b, const amx_site_page *pg)
{
    const char *addr = esc(b->p, pg->address), *domain = esc(b->p, pg->domain);
    const char *initdb = esc(b->p, pg->initdb_url);

    switch (pg->kind) {
    case AMX_PAGE_SETTINGS:
        putf(b, "<p>Settings for <b id=\"address\">%s</b>%s%s%s.</p>\n", addr,
             pg->provider ? " (" : "", esc(b->p, pg->provider), pg->provider ? ")" : "");
        primary_action(b, pg);
        settings_tables(b, pg);
        if (pg->qr_svg)
            putf(b, "<section class=\"qr\">%s<p>Scan this code to open this page on your "
                 "phone:<br><code>%s</code></p></section>\n", pg->qr_svg, esc(b->p, pg->page_url));
        put(b, "<section>");
        form(b, NULL);
        put(b, "</section>\n");
        break;
    case AMX_PAGE_UNKNOWN_DOMAIN:
        putf(b, "<section class=\"problem\"><h2>No settings for %s</h2>\n"
             "<p>This service knows no mail settings for the domain <b>%s</b>. Check the "
             "address for a typing error, or ask whoever runs your mail.</p>\n", addr, domain);
        form(b, pg->address);
        put(b, "</section>\n");
        break;
    case AMX_PAGE_INVALID_ADDRESS:
        putf(b, "<section class=\"problem\"><h2>That is not an email address</h2>\n"
             "<p><b>%s</b> is not an email address: it must look like "
             "<code>name@example.com</code>, with one @, no spaces, and at most 320 "
             "characters.</p>\n", *addr ? addr : "(nothing)");
        form(b, pg->address);
        put(b, "</section>\n");
        break;
    case AMX_PAGE_DATA_ERROR:
        putf(b, "<section class=\"problem\"><h2>Settings unavailable</h2>\n"
             "<p>The settings for <b>%s</b> cannot be shown: the mail provider's database "
             "holds a value no mail program could use. Please tell its support.</p>\n"
             "</section>\n", domain);
        break;
    case AMX_PAGE_NO_TABLES:
        putf(b, "<section class=\"problem\"><h2>Not set up yet</h2>\n"
             "<p>The database has no automx tables yet, or they cannot be read (the "
             "error log says why: AMX00060).</p>\n"
             "<p>Create them and load sample data with <a href=\"%s\">automx-initdb</a>, or "
             "load <code>sql/</code> with your database's client.</p>\n</section>\n", initdb);
        break;
    case AMX_PAGE_NO_DOMAINS:
        putf(b, "<section class=\"problem\"><h2>Not set up yet</h2>\n"
             "<p>The database holds no domains yet. Provision them through "
             "<a href=\"%s\">automx-initdb</a> or with SQL.</p>\n</section>\n", initdb);
        break;
    default:
        put(b, "<section><p>Enter your email address to see how to set up your mail, "
            "calendar and contacts on this device.</p>\n");
        form(b, NULL);
        put(b, "</section>\n");
        break;
    }
}

const char *amx_site_render(apr_pool_t *p, const amx_site_template *t,
                            const amx_site_brand *brand, const amx_site_page *pg)
{
    const char *title = brand && brand->title ? brand->title : "Mail settings";
    buf b = { p, apr_array_make(p, 64, sizeof(const char *)) };
    int i;

    for (i = 0; i < t->segments->nelts; i++) {
        const segment *g = &APR_ARRAY_IDX(t->segments, i, segment);
        switch (g->kind) {
        case SEG_TEXT:
            put(&b, g->text);
            break;
        case SEG_TITLE:
            put(&b, esc(p, title));
            break;
        case SEG_STYLE:
            put(&b, "<style>");
            put(&b, style_sheet);
            put(&b, "</style>");
            break;
        case SEG_LOGO:
            if (brand && brand->logo_url)
                putf(&b, "<img src=\"%s\" alt=\"\">", esc(p, brand->logo_url));
            break;
        case SEG_SUPPORT:
            if (brand && brand->support_url)
                putf(&b, "<a id=\"support\" href=\"%s\">Help and support</a>",
                     esc(p, brand->support_url));
            break;
        case SEG_CONTENT:
            content(&b, pg);
            break;
        }
    }
    return apr_array_pstrcat(p, b.parts, 0);
}

/* ---- settings ----------------------------------------------------------- */

static const char *security_name(const char *socket_type)
{
    if (strcmp(socket_type, "SSL") == 0)
        return "SSL/TLS";
    if (strcmp(socket_type, "STARTTLS") == 0)
        return "STARTTLS";
    return "None (unencrypted)";
}

static const char *role_name(const amx_ac_server *s)
{
    if (strcmp(s->type, "imap") == 0)
        return "Incoming (IMAP)";
    if (strcmp(s->type, "pop3") == 0)
        return "Incoming (POP3)";
    return "Outgoing (SMTP)";
}

void amx_site_settings(apr_pool_t *p, const amx_autoconfig_doc *doc, const amx_address *addr,
                       const amx_identity *id, amx_site_page *page)
{
    int i;

    page->servers = apr_array_make(p, doc->servers->nelts, sizeof(amx_site_server));
    page->dav = apr_array_make(p, doc->dav->nelts, sizeof(amx_site_dav));
    for (i = 0; i < doc->servers->nelts; i++) {
        const amx_ac_server *s = &APR_ARRAY_IDX(doc->servers, i, amx_ac_server);
        amx_site_server *o = apr_array_push(page->servers);
        o->role = role_name(s);
        o->host = s->hostname;
        o->port = s->port;
        o->security = security_name(s->socket_type);
        o->username = id && id->uid ? id->uid : amx_placeholder_expand(p, s->username, addr);
    }
    for (i = 0; i < doc->dav->nelts; i++) {
        const amx_ac_dav *v = &APR_ARRAY_IDX(doc->dav, i, amx_ac_dav);
        amx_site_dav *o = apr_array_push(page->dav);
        o->role = strcmp(v->type, "caldav") == 0 ? "Calendar (CalDAV)" : "Contacts (CardDAV)";
        o->url = amx_placeholder_expand(p, v->url, addr);
        o->username = v->username ? (id && id->uid ? id->uid
                                     : amx_placeholder_expand(p, v->username, addr)) : NULL;
    }
}
