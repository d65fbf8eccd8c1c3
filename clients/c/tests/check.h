/* check.h - the tests' assertions: count failures (from any thread) and keep going. */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>

extern atomic_int check_failures;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            atomic_fetch_add(&check_failures, 1);                                             \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                     \
    } while (0)

/* Floats equal within tol (exact when tol is 0); NaN equals NaN. */
#define CHECK_FLOAT(a, b, tol)                                                                \
    do {                                                                                      \
        double a_ = (a), b_ = (b);                                                            \
        if (!((isnan(a_) && isnan(b_)) || a_ == b_ || fabs(a_ - b_) <= (tol))) {              \
            atomic_fetch_add(&check_failures, 1);                                             \
            fprintf(stderr, "  %s:%d: %s = %.9g, expected %s = %.9g\n", __FILE__, __LINE__,   \
                    #a, a_, #b, b_);                                                          \
        }                                                                                     \
    } while (0)

#define CHECK_CODE(err, expected)                                                             \
    do {                                                                                      \
        if ((err).code != (expected)) {                                                       \
            atomic_fetch_add(&check_failures, 1);                                             \
            fprintf(stderr, "  %s:%d: code %d (%s: %s), expected %s\n", __FILE__, __LINE__,    \
                    (err).code, me_code_name((err).code), (err).message, #expected);          \
        }                                                                                     \
    } while (0)

/* The test functions, one list per file, run by test_main.c. */
typedef struct test_case {
    const char *name;
    void (*run)(void);
} test_case;

extern const test_case encoding_tests[];
extern const test_case embed_tests[];
extern const test_case error_tests[];
extern const test_case late_interaction_tests[];
extern const test_case page_tests[];

#endif
