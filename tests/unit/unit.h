/* A minimal test harness: no framework, exact failure locations. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>
#include <apr_pools.h>

extern int unit_passed, unit_failed;
extern apr_pool_t *unit_pool;

#define CHECK(cond) do { \
        if (cond) unit_passed++; \
        else { unit_failed++; fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_STR(got, want) do { \
        const char *g_ = (got), *w_ = (want); \
        if ((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0)) unit_passed++; \
        else { unit_failed++; fprintf(stderr, "%s:%d: FAILED: %s is \"%s\", want \"%s\"\n", \
                                      __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
    } while (0)

void test_address(void);
void test_idn(void);
void test_query(void);
void test_placeholder(void);
void test_autoconfig(void);
void test_cache(void);
void test_autodiscover(void);
void test_mobileconfig(void);
void test_seed(void);
void test_ldap_filter(void);
void test_xml(void);
void test_template(void);
void test_site_page(void);
void test_qr(void);
void test_dns(void);
void test_pacc(void);
void test_number(void);
void test_metrics(void);
void test_api(void);

#endif
