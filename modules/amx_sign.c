/* Profile signing with OpenSSL's CMS. */
#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "amx_sign.h"

struct amx_signer {
    X509 *cert;
    EVP_PKEY *key;
    STACK_OF(X509) *chain;
};

static apr_status_t free_signer(void *data)
{
    amx_signer *s = data;
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
    sk_X509_pop_free(s->chain, X509_free);
    return APR_SUCCESS;
}

static const char *openssl_error(apr_pool_t *p)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_clear_error();
    if (e == 0)
        return "no usable PEM data";
    ERR_error_string_n(e, buf, sizeof(buf));
    return apr_pstrdup(p, buf);
}

/* OpenSSL's default asks for the pass phrase of an encrypted key on the
 * terminal (or stdin): start-up would wait there, and a graceful restart,
 * which has no terminal, fails. Refusing here makes the configuration test
 * say why instead. */
static int refuse_passphrase(char *buf, int size, int rwflag, void *u)
{
    *(int *)u = 1;
    return -1;
}

const char *amx_signer_load(apr_pool_t *p, const char *cert_file, const char *key_file,
                            const char *chain_file, amx_signer **out)
{
    amx_signer *s = apr_pcalloc(p, sizeof(*s));
    int encrypted = 0;
    BIO *bio;

    apr_pool_cleanup_register(p, s, free_signer, apr_pool_cleanup_null);
    ERR_clear_error();
    if ((bio = BIO_new_file(cert_file, "r")) == NULL)
        return apr_psprintf(p, "cannot read the certificate %s: %s", cert_file, openssl_error(p));
    s->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (s->cert == NULL)
        return apr_psprintf(p, "%s holds no PEM certificate: %s", cert_file, openssl_error(p));

    if ((bio = BIO_new_file(key_file, "r")) == NULL)
        return apr_psprintf(p, "cannot read the private key %s: %s", key_file, openssl_error(p));
    s->key = PEM_read_bio_PrivateKey(bio, NULL, refuse_passphrase, &encrypted);
    BIO_free(bio);
    if (s->key == NULL && encrypted) {
        ERR_clear_error();
        return apr_psprintf(p, "the private key %s is encrypted, and no pass phrase is "
                            "ever asked for: store it decrypted (openssl pkey -in %s "
                            "-out NEWFILE), readable by root only", key_file, key_file);
    }
    if (s->key == NULL)
        return apr_psprintf(p, "%s holds no unencrypted PEM private key: %s", key_file,
                            openssl_error(p));
    if (X509_check_private_key(s->cert, s->key) != 1) {
        ERR_clear_error();
        return apr_psprintf(p, "the private key %s does not belong to the certificate %s",
                            key_file, cert_file);
    }

    s->chain = sk_X509_new_null();
    if (chain_file) {
        X509 *x;
        if ((bio = BIO_new_file(chain_file, "r")) == NULL)
            return apr_psprintf(p, "cannot read the chain %s: %s", chain_file, openssl_error(p));
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
            sk_X509_push(s->chain, x);
        BIO_free(bio);
        ERR_clear_error(); /* the end of the file reads as an error */
        if (sk_X509_num(s->chain) == 0)
            return apr_psprintf(p, "%s holds no PEM certificate", chain_file);
    }
    *out = s;
    return NULL;
}

long long amx_signer_seconds_left(const amx_signer *s, apr_time_t now)
{
    int days = 0, secs = 0;
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_TIME_set(t, (time_t)apr_time_sec(now));
    ASN1_TIME_diff(&days, &secs, t, X509_get0_notAfter(s->cert));
    ASN1_TIME_free(t);
    return (long long)days * 86400 + secs;
}

const char *amx_signer_subject(apr_pool_t *p, const amx_signer *s)
{
    char *line = X509_NAME_oneline(X509_get_subject_name(s->cert), NULL, 0);
    const char *out = apr_pstrdup(p, line ? line : "?");
    OPENSSL_free(line);
    return out;
}

int amx_signer_sign(const amx_signer *s, apr_pool_t *p, const char *data, apr_size_t len,
                    const char **der, apr_size_t *der_len)
{
    BIO *in = BIO_new_mem_buf(data, (int)len);
    BIO *out = BIO_new(BIO_s_mem());
    CMS_ContentInfo *cms = NULL;
    char *mem;
    long n;
    int rv = -1;

    if (in && out) {
        /* Binary: the plist's bytes as they are, no MIME canonicalisation. */
        cms = CMS_sign(s->cert, s->key, s->chain, in, CMS_BINARY);
        if (cms && i2d_CMS_bio(out, cms) == 1 && (n = BIO_get_mem_data(out, &mem)) > 0) {
            *der = apr_pmemdup(p, mem, (apr_size_t)n);
            *der_len = (apr_size_t)n;
            rv = 0;
        }
    }
    ERR_clear_error();
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
    return rv;
}
