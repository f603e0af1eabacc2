/* check_metrics.c: Check suite for sim/metrics.c: the log-linear
 * histogram against hand-computed distributions (percentiles of known
 * sets, exact min and max, the two-significant-digit bound), the operation
 * accounting (nesting, failures by status, syscalls, unfinished) and
 * Jain's fairness index.
 */
#include <check.h>
#include <stdlib.h>

#include "metrics.h"

/* ---- Histogram ---------------------------------------------------------- */

START_TEST(empty_histogram)
{
    struct metrics_hist h = {0};
    ck_assert_uint_eq(metrics_hist_percentile(&h, 50000), 0);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 100000), 0);
    metrics_hist_free(&h);
}
END_TEST

START_TEST(small_values_exact)
{
    /* 1..100: below 256 every value has a bucket of its own */
    struct metrics_hist h = {0};
    for (uint64_t v = 100; v >= 1; v--)
        ck_assert_int_eq(metrics_hist_record(&h, v), 0);
    ck_assert_uint_eq(h.n, 100);
    ck_assert_uint_eq(h.sum, 5050);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 0), 1);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 1000), 1);   /* p1: rank 1 */
    ck_assert_uint_eq(metrics_hist_percentile(&h, 50000), 50); /* rank 50 */
    ck_assert_uint_eq(metrics_hist_percentile(&h, 50001), 51); /* rank ceil(50.001) */
    ck_assert_uint_eq(metrics_hist_percentile(&h, 90000), 90);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 99000), 99);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 99900), 100); /* rank ceil(99.9) */
    ck_assert_uint_eq(metrics_hist_percentile(&h, 100000), 100);
    metrics_hist_free(&h);
}
END_TEST

START_TEST(single_value)
{
    struct metrics_hist h = {0};
    metrics_hist_record(&h, 123456789);
    for (uint32_t q = 0; q <= 100000; q += 12500)
        ck_assert_uint_eq(metrics_hist_percentile(&h, q), 123456789);
    metrics_hist_free(&h);
}
END_TEST

START_TEST(skewed_set)
{
    /* 999 values of 7 and one of 1000000: p99.9 is 7 (rank 999), the max
     * 1000000 exactly */
    struct metrics_hist h = {0};
    for (int i = 0; i < 999; i++)
        metrics_hist_record(&h, 7);
    metrics_hist_record(&h, 1000000);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 50000), 7);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 99900), 7);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 99901), 1000000); /* rank 1000 */
    ck_assert_uint_eq(h.min, 7);
    ck_assert_uint_eq(h.max, 1000000);
    metrics_hist_free(&h);
}
END_TEST

START_TEST(two_significant_digits)
{
    /* every value in a wide range, one at a time: the median of one value
     * is that value as its bucket represents it, within 1/256 (better than
     * two significant digits); min and max stay exact */
    static const uint64_t probes[] = {255,       256,        257,        1000,
                                      4097,      65535,      99999,      1234567,
                                      100000007, 4294967295, 1ull << 40, (1ull << 62) + 12345,
                                      UINT64_MAX};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        uint64_t v = probes[i];
        struct metrics_hist h = {0};
        metrics_hist_record(&h, 1);
        metrics_hist_record(&h, v);
        metrics_hist_record(&h, v);
        metrics_hist_record(&h, UINT64_MAX);
        uint64_t got = metrics_hist_percentile(&h, 50000); /* rank 2 */
        uint64_t err = got > v ? got - v : v - got;
        ck_assert_msg(err <= v / 256, "value %llu reported as %llu", (unsigned long long)v,
                      (unsigned long long)got);
        ck_assert_uint_eq(metrics_hist_percentile(&h, 0), 1);
        ck_assert_uint_eq(metrics_hist_percentile(&h, 100000), UINT64_MAX);
        metrics_hist_free(&h);
    }
}
END_TEST

START_TEST(buckets_cover_values)
{
    /* each value falls in the bucket whose range holds it; buckets are
     * contiguous and at most 1/128 of their lower bound wide */
    uint64_t prev_end = 0;
    for (uint32_t i = 0; i < METRICS_HIST_BUCKETS; i++) {
        uint64_t low, width;
        metrics_hist_bucket(i, &low, &width);
        ck_assert_uint_eq(low, prev_end);
        ck_assert(width == 1 || width * METRICS_HIST_SUB <= low);
        ck_assert_uint_eq(metrics_hist_index(low), i);
        ck_assert_uint_eq(metrics_hist_index(low + width - 1), i);
        prev_end = low + width; /* wraps to 0 after the last bucket */
    }
    ck_assert_uint_eq(prev_end, 0);
    ck_assert_uint_eq(metrics_hist_index(UINT64_MAX), METRICS_HIST_BUCKETS - 1);
}
END_TEST

START_TEST(percentiles_of_large_set)
{
    /* 1000, 2000, ..., 1000000 (1000 values): nearest-rank p50 = 500000,
     * p90 = 900000, p99 = 990000, p99.9 = 999000 */
    struct metrics_hist h = {0};
    for (uint64_t i = 1; i <= 1000; i++)
        metrics_hist_record(&h, i * 1000);
    static const struct {
        uint32_t q;
        uint64_t v;
    } want[] = {{50000, 500000}, {90000, 900000}, {99000, 990000}, {99900, 999000}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t got = metrics_hist_percentile(&h, want[i].q);
        uint64_t err = got > want[i].v ? got - want[i].v : want[i].v - got;
        ck_assert_msg(err <= want[i].v / 256, "q %u: %llu for %llu", want[i].q,
                      (unsigned long long)got, (unsigned long long)want[i].v);
    }
    ck_assert_uint_eq(metrics_hist_percentile(&h, 0), 1000);
    ck_assert_uint_eq(metrics_hist_percentile(&h, 100000), 1000000);
    ck_assert_uint_eq(h.sum / h.n, 500500);
    metrics_hist_free(&h);
}
END_TEST

START_TEST(merge)
{
    struct metrics_hist a = {0}, b = {0}, all = {0};
    for (uint64_t v = 1; v <= 50; v++)
        metrics_hist_record(&a, v);
    for (uint64_t v = 51; v <= 100; v++)
        metrics_hist_record(&b, v);
    ck_assert_int_eq(metrics_hist_merge(&all, &a), 0);
    ck_assert_int_eq(metrics_hist_merge(&all, &b), 0);
    ck_assert_uint_eq(all.n, 100);
    ck_assert_uint_eq(all.min, 1);
    ck_assert_uint_eq(all.max, 100);
    ck_assert_uint_eq(metrics_hist_percentile(&all, 50000), 50);
    ck_assert_uint_eq(metrics_hist_percentile(&all, 90000), 90);
    metrics_hist_free(&a);
    metrics_hist_free(&b);
    metrics_hist_free(&all);
}
END_TEST

/* ---- Operations ------------------------------------------------------------ */

START_TEST(operations)
{
    struct metrics_app m = {0};
    metrics_op_begin(&m, IPCSIM_OP_CALL, 100);
    metrics_syscall(&m);
    metrics_syscall(&m);
    metrics_op_end(&m, IPCSIM_OP_CALL, 0, 130); /* 30 cycles, ok */
    metrics_syscall(&m);                        /* outside any operation */
    metrics_op_begin(&m, IPCSIM_OP_CALL, 200);
    metrics_op_begin(&m, IPCSIM_OP_SERVE, 205);
    metrics_syscall(&m);                          /* counts for both */
    metrics_op_end(&m, IPCSIM_OP_SERVE, -8, 210); /* ECANCEL */
    metrics_op_end(&m, IPCSIM_OP_CALL, -13, 300); /* ENOACK after 100 */
    metrics_op_end(&m, IPCSIM_OP_NOTIFY, 0, 300); /* no begin */
    metrics_op_begin(&m, IPCSIM_OP_CONNECT, 400);
    metrics_abandon(&m);
    metrics_op_begin(&m, 0, 1); /* no such kind: ignored */
    metrics_op_end(&m, IPCSIM_OP_NKINDS, 0, 1);

    const struct metrics_op *c = &m.op[IPCSIM_OP_CALL];
    ck_assert_uint_eq(c->ok, 1);
    ck_assert_uint_eq(c->failed, 1);
    ck_assert_uint_eq(c->syscalls, 3);
    ck_assert_uint_eq(c->lat.n, 1);
    ck_assert_uint_eq(c->lat.min, 30);
    ck_assert_uint_eq(c->failed_lat.max, 100);
    ck_assert_uint_eq(c->n_status, 1);
    ck_assert_int_eq(c->status[0].rc, -13);
    ck_assert_str_eq(metrics_rc_name(c->status[0].rc), "ENOACK");
    ck_assert_uint_eq(m.op[IPCSIM_OP_SERVE].syscalls, 1);
    ck_assert_uint_eq(m.op[IPCSIM_OP_SERVE].failed, 1);
    ck_assert_uint_eq(m.op[IPCSIM_OP_NOTIFY].unmatched_end, 1);
    ck_assert_uint_eq(m.op[IPCSIM_OP_CONNECT].unfinished, 1);
    ck_assert_uint_eq(m.op[IPCSIM_OP_CONNECT].n_open, 0);
    /* the active window spans the successful calls only: 100..130 */
    ck_assert_uint_eq(c->first_begin, 100);
    ck_assert_uint_eq(c->last_end, 130);

    struct metrics_app sum = {0};
    ck_assert_int_eq(metrics_app_merge(&sum, &m), 0);
    ck_assert_int_eq(metrics_app_merge(&sum, &m), 0);
    ck_assert_uint_eq(sum.op[IPCSIM_OP_CALL].ok, 2);
    ck_assert_uint_eq(sum.op[IPCSIM_OP_CALL].status[0].count, 2);
    ck_assert_uint_eq(sum.op[IPCSIM_OP_CALL].lat.n, 2);
    /* windows merge to the earliest begin and the latest end */
    struct metrics_app late = {0};
    metrics_op_begin(&late, IPCSIM_OP_CALL, 50);
    metrics_op_begin(&late, IPCSIM_OP_CALL, 60);
    metrics_op_end(&late, IPCSIM_OP_CALL, 0, 500);
    metrics_op_end(&late, IPCSIM_OP_CALL, 0, 90);
    ck_assert_uint_eq(late.op[IPCSIM_OP_CALL].first_begin, 50);
    ck_assert_uint_eq(late.op[IPCSIM_OP_CALL].last_end, 500);
    ck_assert_int_eq(metrics_app_merge(&sum, &late), 0);
    ck_assert_uint_eq(sum.op[IPCSIM_OP_CALL].first_begin, 50);
    ck_assert_uint_eq(sum.op[IPCSIM_OP_CALL].last_end, 500);
    struct metrics_app none = {0};
    ck_assert_int_eq(metrics_app_merge(&none, &m), 0);
    ck_assert_uint_eq(none.op[IPCSIM_OP_CALL].first_begin, 100);
    metrics_app_free(&none);
    metrics_app_free(&late);
    metrics_app_free(&sum);
    metrics_app_free(&m);
}
END_TEST

START_TEST(nesting_limit_and_status_order)
{
    struct metrics_app m = {0};
    for (int i = 0; i < METRICS_OPEN_MAX + 2; i++)
        metrics_op_begin(&m, IPCSIM_OP_CALL, (uint64_t)i);
    ck_assert_uint_eq(m.op[IPCSIM_OP_CALL].too_deep, 2);
    /* the latest begin (at 7) ends first */
    metrics_op_end(&m, IPCSIM_OP_CALL, -11, 10);
    ck_assert_uint_eq(m.op[IPCSIM_OP_CALL].failed_lat.min, 3);
    metrics_op_end(&m, IPCSIM_OP_CALL, -1, 10);
    metrics_op_end(&m, IPCSIM_OP_CALL, -1024, 10);
    metrics_op_end(&m, IPCSIM_OP_CALL, -11, 10);
    /* kept in code order whatever came first */
    const struct metrics_op *c = &m.op[IPCSIM_OP_CALL];
    ck_assert_uint_eq(c->n_status, 3);
    ck_assert_int_eq(c->status[0].rc, -1);
    ck_assert_int_eq(c->status[1].rc, -11);
    ck_assert_uint_eq(c->status[1].count, 2);
    ck_assert_int_eq(c->status[2].rc, -1024);
    ck_assert_str_eq(metrics_rc_name(-1024), "EBADRVAL");
    ck_assert_ptr_null(metrics_rc_name(-99));
    metrics_app_free(&m);
}
END_TEST

/* ---- Fairness ---------------------------------------------------------------- */

START_TEST(jain)
{
    uint64_t equal[] = {10, 10, 10, 10};
    ck_assert_double_eq(metrics_jain(equal, 4), 1.0);
    uint64_t uneven[] = {10, 30};
    ck_assert_double_eq_tol(metrics_jain(uneven, 2), 0.8, 1e-12); /* 1600 / 2000 */
    uint64_t one[] = {0, 0, 0, 12};
    ck_assert_double_eq_tol(metrics_jain(one, 4), 0.25, 1e-12); /* 1/n */
    uint64_t none[] = {0, 0};
    ck_assert_double_eq(metrics_jain(none, 2), -1);
    ck_assert_double_eq(metrics_jain(NULL, 0), -1);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *h = tcase_create("histogram");
    tcase_add_test(h, empty_histogram);
    tcase_add_test(h, small_values_exact);
    tcase_add_test(h, single_value);
    tcase_add_test(h, skewed_set);
    tcase_add_test(h, two_significant_digits);
    tcase_add_test(h, buckets_cover_values);
    tcase_add_test(h, percentiles_of_large_set);
    tcase_add_test(h, merge);
    suite_add_tcase(s, h);
    TCase *o = tcase_create("operations");
    tcase_add_test(o, operations);
    tcase_add_test(o, nesting_limit_and_status_order);
    tcase_add_test(o, jain);
    suite_add_tcase(s, o);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
