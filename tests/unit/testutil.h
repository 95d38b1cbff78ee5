/* Minimal test harness: CHECK records a failure and goes on; TEST_MAIN prints a summary and
 * returns non-zero when anything failed. Each test binary is one meson test. */
#ifndef CORRIDOR_TESTUTIL_H
#define CORRIDOR_TESTUTIL_H

#include <stdio.h>
#include <string.h>

static int tu_checks, tu_failures;

#define CHECK(cond) do { tu_checks++; if (!(cond)) { tu_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); tu_checks++; \
    if (a_ != b_) { tu_failures++; fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
        __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)

#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); tu_checks++; \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { tu_failures++; \
        fprintf(stderr, "%s:%d: %s == %s failed:\n  got:      '%s'\n  expected: '%s'\n", \
                __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)

#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); tu_checks++; \
    if (!h_ || !strstr(h_, n_)) { tu_failures++; \
        fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, \
                h_ ? h_ : "(null)", n_); } } while (0)

#define RUN(fn) do { int before_ = tu_failures; fn(); \
    printf("%s %s\n", tu_failures == before_ ? "ok  " : "FAIL", #fn); } while (0)

#define TEST_SUMMARY() (printf("%d checks, %d failed\n", tu_checks, tu_failures), \
    tu_failures ? 1 : 0)

#endif
