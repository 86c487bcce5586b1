/* A/B read-outs: worked examples checked against an independent reference,
 * and a simulation of daily peeking.
 *
 * The expected numbers come from this Python script (standard library only).
 * It finds each interval edge by bisection on the mSPRT statistic itself,
 * not by the closed-form radius src/core/stats.c uses, so the two agree only if
 * the algebra is right:
 *
 *   import math
 *   def ratio(alpha):
 *       l = 2 * math.log(1 / alpha)
 *       return l + math.log(1 + l)
 *   def log_msprt(d, theta0, v, tau2):
 *       return 0.5 * math.log(v / (v + tau2)) + tau2 * (d - theta0) ** 2 / (2 * v * (v + tau2))
 *   def edge(d, v, tau2, alpha, side):
 *       lo, hi = 0.0, math.sqrt(v)
 *       while log_msprt(d, d + side * hi, v, tau2) < math.log(1 / alpha):
 *           hi *= 2
 *       for _ in range(200):
 *           mid = (lo + hi) / 2
 *           if log_msprt(d, d + side * mid, v, tau2) < math.log(1 / alpha):
 *               lo = mid
 *           else:
 *               hi = mid
 *       return d + side * lo
 *   def metric(mc, vc, nc, mv, vv, nv, alpha=0.05, tune=10000):
 *       v = vc / nc + vv / nv
 *       tau2 = ratio(alpha) * (vc + vv) / tune
 *       d = mv - mc
 *       return d, edge(d, v, tau2, alpha, -1), edge(d, v, tau2, alpha, +1), math.sqrt(v)
 *   def arm(n, k, s, q):
 *       p = k / n
 *       return dict(cm=p, cv=p * (1 - p), rm=s / n, rv=(q - s * s / n) / (n - 1), n=n)
 *   def compare(name, c, v):
 *       a, b = arm(*c), arm(*v)
 *       conv = metric(a['cm'], a['cv'], a['n'], b['cm'], b['cv'], b['n'])
 *       rev = metric(a['rm'], a['rv'], a['n'], b['rm'], b['rv'], b['n'])
 *       print(name, 'conversion est %.17g lower %.17g upper %.17g se %.17g' % conv)
 *       print(name, 'revenue    est %.17g lower %.17g upper %.17g se %.17g' % rev)
 *   print('ratio(0.05) %.17g' % ratio(0.05))
 *   compare('identical', (10000, 100, 100000, 1e8), (10000, 100, 100000, 1e8))
 *   compare('winner', (50000, 500, 500000, 5e8), (50000, 700, 700000, 7e8))
 *   compare('unequal', (8000, 120, 96000, 1.2e8), (12000, 150, 210000, 4.5e8))
 *   for n in (1000, 4000, 16000, 64000):
 *       compare('n=%d' % n, (n, n // 100, n * 10, n // 100 * 1e6),
 *               (n, n // 100, n * 10, n // 100 * 1e6))
 *   v = 2 * 0.01 * 0.99 / 10000
 *   print('fixed z half-width %.6g, always-valid half-width %.6g' %
 *         (1.959964 * math.sqrt(v), metric(0.01, 0.0099, 10000, 0.01, 0.0099, 10000)[2]))
 *
 * Its output, pasted below where used:
 *   ratio(0.05) 7.9361546017375648
 *   identical conversion est 0 lower -0.0042709176248455607 upper 0.0042709176248455607
 *   identical revenue    est 0 lower -4.2711311867440784 upper 4.2711311867440784
 *   winner conversion est 0.004 lower 0.0018290292086148288 upper 0.0061709707913851714
 *   winner revenue    est 4 lower 1.8290074985812637 upper 6.1709925014187359
 *   unequal conversion est -0.0025 lower -0.0076478679109072845 upper 0.002647867910907287
 *   unequal revenue    est 5.5 lower -1.257508759985587 upper 12.257508759985587
 *   n=1000  conversion upper 0.017153910204515167   revenue upper 17.162493597699044
 *   n=4000  conversion upper 0.0069499697321097577  revenue upper 6.9508386412501295
 *   n=16000 conversion upper 0.0033900225139577695  revenue upper 3.3901284571274424
 *   n=64000 conversion upper 0.0017706832584232341  revenue upper 1.7706970920483034
 *   fixed z half-width 0.00275791, always-valid half-width 0.00427092
 */
#include <criterion/criterion.h>
#include <math.h>

#include "patron/stats.h"

/* Relative tolerance: the reference bisects to full double precision, so
 * any real disagreement is far larger than this. */
static void near(double actual, double expected, const char *what)
{
    double tolerance = 1e-9 * fmax(fabs(expected), 1e-12);
    cr_assert(fabs(actual - expected) <= tolerance, "%s: got %.17g, expected %.17g", what, actual,
              expected);
}

static struct pt_stats_arm arm(uint64_t impressions, uint64_t conversions, int64_t revenue,
                               double squares)
{
    struct pt_stats_arm result = {impressions, conversions, revenue, squares};
    return result;
}

static struct pt_stats_comparison compare(struct pt_stats_arm control, struct pt_stats_arm variant)
{
    struct pt_stats_params params;
    struct pt_stats_comparison out;
    pt_stats_params_init(&params);
    cr_assert_eq(pt_stats_compare(&params, &control, &variant, &out), PT_OK);
    return out;
}

Test(stats, defaults_are_the_documented_ones)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    cr_assert_eq(params.alpha, 0.05);
    cr_assert_eq(params.min_impressions, 100);
    cr_assert_eq(params.min_conversions, 5);
    cr_assert_eq(params.tuning_impressions, 10000.0);
    near(pt_stats_mixing_ratio(0.05), 7.9361546017375648, "mixing ratio");
}

Test(stats, verdict_names_are_what_the_editor_reads)
{
    cr_assert_str_eq(pt_stats_verdict_name(PT_STATS_AHEAD), "ahead");
    cr_assert_str_eq(pt_stats_verdict_name(PT_STATS_BEHIND), "behind");
    cr_assert_str_eq(pt_stats_verdict_name(PT_STATS_NOT_YET_KNOWN), "not yet known");
    cr_assert_str_eq(pt_stats_verdict_name((enum pt_stats_verdict)42), "not yet known");
}

Test(stats, identical_arms_give_a_symmetric_interval_around_zero)
{
    struct pt_stats_arm same = arm(10000, 100, 100000, 1e8);
    struct pt_stats_comparison out = compare(same, same);

    cr_assert(out.conversion.enough_data);
    cr_assert_eq(out.conversion.estimate, 0.0);
    near(out.conversion.lower, -0.0042709176248455607, "conversion lower");
    near(out.conversion.upper, 0.0042709176248455607, "conversion upper");
    cr_assert_eq(out.conversion.lower, -out.conversion.upper);
    cr_assert_eq(out.conversion.verdict, PT_STATS_NOT_YET_KNOWN);

    cr_assert_eq(out.revenue.estimate, 0.0);
    near(out.revenue.lower, -4.2711311867440784, "revenue lower");
    near(out.revenue.upper, 4.2711311867440784, "revenue upper");
    cr_assert_eq(out.revenue.lower, -out.revenue.upper);
    cr_assert_eq(out.revenue.verdict, PT_STATS_NOT_YET_KNOWN);
}

Test(stats, a_clear_winner_with_large_samples_is_ahead)
{
    /* 1.0% against 1.4% over 50,000 impressions each, every pledge 10.00. */
    struct pt_stats_comparison out =
        compare(arm(50000, 500, 500000, 5e8), arm(50000, 700, 700000, 7e8));

    near(out.conversion.estimate, 0.004, "conversion estimate");
    near(out.conversion.lower, 0.0018290292086148288, "conversion lower");
    near(out.conversion.upper, 0.0061709707913851714, "conversion upper");
    cr_assert_eq(out.conversion.verdict, PT_STATS_AHEAD);

    near(out.revenue.estimate, 4.0, "revenue estimate");
    near(out.revenue.lower, 1.8290074985812637, "revenue lower");
    near(out.revenue.upper, 6.1709925014187359, "revenue upper");
    cr_assert_eq(out.revenue.verdict, PT_STATS_AHEAD);
}

Test(stats, swapping_the_arms_mirrors_the_interval)
{
    struct pt_stats_arm small = arm(50000, 500, 500000, 5e8);
    struct pt_stats_arm large = arm(50000, 700, 700000, 7e8);
    struct pt_stats_comparison forward = compare(small, large);
    struct pt_stats_comparison backward = compare(large, small);

    near(backward.conversion.lower, -forward.conversion.upper, "conversion lower");
    near(backward.conversion.upper, -forward.conversion.lower, "conversion upper");
    near(backward.revenue.lower, -forward.revenue.upper, "revenue lower");
    near(backward.revenue.upper, -forward.revenue.lower, "revenue upper");
    cr_assert_eq(backward.conversion.verdict, PT_STATS_BEHIND);
    cr_assert_eq(backward.revenue.verdict, PT_STATS_BEHIND);

    /* Unequal sizes too: the variance is not symmetric in n, the mirror is. */
    struct pt_stats_arm few = arm(8000, 120, 96000, 1.2e8);
    struct pt_stats_arm many = arm(12000, 150, 210000, 4.5e8);
    forward = compare(few, many);
    backward = compare(many, few);
    near(forward.conversion.lower, -0.0076478679109072845, "unequal conversion lower");
    near(forward.conversion.upper, 0.002647867910907287, "unequal conversion upper");
    near(forward.revenue.lower, -1.257508759985587, "unequal revenue lower");
    near(forward.revenue.upper, 12.257508759985587, "unequal revenue upper");
    near(backward.conversion.lower, -forward.conversion.upper, "mirrored lower");
    near(backward.revenue.upper, -forward.revenue.lower, "mirrored upper");
    cr_assert_eq(forward.conversion.verdict, PT_STATS_NOT_YET_KNOWN);
    cr_assert_eq(forward.revenue.verdict, PT_STATS_NOT_YET_KNOWN);
}

Test(stats, too_little_data_gives_no_verdict)
{
    /* A huge apparent lift, but each case misses the minimum in one arm. */
    struct pt_stats_arm plenty = arm(100000, 5000, 5000000, 5e9);
    struct pt_stats_arm cases[] = {
        arm(99, 50, 50000, 5e7), /* 99 impressions */
        arm(100, 4, 4000, 4e6),  /* 4 conversions */
        arm(0, 0, 0, 0.0),       /* nothing yet */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pt_stats_comparison out = compare(plenty, cases[i]);
        cr_assert_not(out.conversion.enough_data, "case %zu", i);
        cr_assert_not(out.revenue.enough_data, "case %zu", i);
        cr_assert_eq(out.conversion.verdict, PT_STATS_NOT_YET_KNOWN, "case %zu", i);
        cr_assert_eq(out.revenue.verdict, PT_STATS_NOT_YET_KNOWN, "case %zu", i);
        out = compare(cases[i], plenty);
        cr_assert_eq(out.conversion.verdict, PT_STATS_NOT_YET_KNOWN, "case %zu swapped", i);
    }
    /* Exactly at the minimum a verdict is possible, though only for a huge
     * difference: 5% against 80% (the interval is about +-0.41 here). */
    struct pt_stats_comparison out = compare(arm(100, 5, 5000, 5e6), arm(100, 80, 80000, 8e7));
    cr_assert(out.conversion.enough_data);
    cr_assert_eq(out.conversion.verdict, PT_STATS_AHEAD);
}

Test(stats, the_interval_narrows_as_data_grows)
{
    static const struct {
        uint64_t n;
        double conversion_upper, revenue_upper;
    } steps[] = {
        {1000, 0.017153910204515167, 17.162493597699044},
        {4000, 0.0069499697321097577, 6.9508386412501295},
        {16000, 0.0033900225139577695, 3.3901284571274424},
        {64000, 0.0017706832584232341, 1.7706970920483034},
    };
    double previous = INFINITY;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        uint64_t n = steps[i].n;
        struct pt_stats_arm both = arm(n, n / 100, (int64_t)n * 10, (double)(n / 100) * 1e6);
        struct pt_stats_comparison out = compare(both, both);
        near(out.conversion.upper, steps[i].conversion_upper, "conversion upper");
        near(out.revenue.upper, steps[i].revenue_upper, "revenue upper");
        cr_assert_lt(out.conversion.upper, previous);
        previous = out.conversion.upper;
    }
}

Test(stats, peeking_safely_costs_width_at_the_tuning_size)
{
    /* At 10,000 per arm the always-valid half-width is about 1.55 times the
     * fixed-sample 95% half-width: the price of being allowed to look daily. */
    struct pt_stats_arm both = arm(10000, 100, 100000, 1e8);
    struct pt_stats_comparison out = compare(both, both);
    double fixed = 1.959964 * out.conversion.standard_error;
    cr_assert_lt(fabs(fixed - 0.00275791), 5e-9, "fixed half-width %.9g", fixed); /* as printed */
    cr_assert_gt(out.conversion.upper / fixed, 1.5);
    cr_assert_lt(out.conversion.upper / fixed, 1.6);
}

Test(stats, impossible_input_is_refused)
{
    struct pt_stats_params params;
    struct pt_stats_comparison out;
    struct pt_stats_arm good = arm(1000, 10, 10000, 1e7);
    struct pt_stats_arm bad[] = {
        arm(10, 11, 11000, 1.1e7),   /* more pledges than impressions */
        arm(1000, 10, -1, 1.0),      /* negative revenue */
        arm(1000, 0, 500, 250000.0), /* revenue without a pledge */
        arm(1000, 10, 10000, 1e4),   /* squares below sum^2 / n */
        arm(1000, 10, 10000, NAN),   /* not a number */
        arm(1000, 10, 10000, -1.0),  /* negative squares */
    };
    pt_stats_params_init(&params);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(pt_stats_compare(&params, &good, &bad[i], &out), PT_ERR_INVALID, "%zu", i);
        cr_assert_eq(pt_stats_compare(&params, &bad[i], &good, &out), PT_ERR_INVALID, "%zu", i);
        cr_assert_not(out.conversion.enough_data);
    }
    params.alpha = 0.0;
    cr_assert_eq(pt_stats_compare(&params, &good, &good, &out), PT_ERR_INVALID);
    params.alpha = 1.0;
    cr_assert_eq(pt_stats_compare(&params, &good, &good, &out), PT_ERR_INVALID);
    pt_stats_params_init(&params);
    params.tuning_impressions = 0.0;
    cr_assert_eq(pt_stats_compare(&params, &good, &good, &out), PT_ERR_INVALID);
    pt_stats_params_init(&params);
    params.min_impressions = 1;
    cr_assert_eq(pt_stats_compare(&params, &good, &good, &out), PT_ERR_INVALID);
}

Test(stats, no_variation_gives_no_verdict)
{
    /* Every impression pledged 5.00 in one arm and 10.00 in the other: the
     * normal model has no variance to work with, so it claims nothing. */
    struct pt_stats_comparison out =
        compare(arm(200, 200, 100000, 5e7), arm(200, 200, 200000, 2e8));
    cr_assert(out.revenue.enough_data);
    cr_assert_eq(out.revenue.verdict, PT_STATS_NOT_YET_KNOWN);
    cr_assert_eq(out.conversion.verdict, PT_STATS_NOT_YET_KNOWN);
}

/* ---- Simulation of daily peeking ---------------------------------------- */

/* splitmix64: a fixed-seed generator so the simulation is the same every run. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state)
{
    return (double)(next_random(state) >> 11) * 0x1.0p-53;
}

/* One day of one arm: each impression pledges with the given rate; pledge
 * sizes are skewed like real ones (most small, a few large). */
static void simulate_day(struct pt_stats_arm *arm_state, uint64_t impressions, double rate,
                         uint64_t *random)
{
    static const int64_t amounts[] = {300, 500, 500, 1000, 1000, 1000, 2000, 2500, 5000, 10000};
    for (uint64_t i = 0; i < impressions; i++) {
        if (uniform(random) >= rate)
            continue;
        int64_t amount = amounts[next_random(random) % (sizeof(amounts) / sizeof(amounts[0]))];
        arm_state->conversions++;
        arm_state->revenue += amount;
        arm_state->revenue_squares += (double)amount * (double)amount;
    }
    arm_state->impressions += impressions;
}

/* The naive read-out: a fixed-sample 95% z-interval, as if each look were
 * the only one. */
static bool naive_z_says_different(const struct pt_stats_interval *interval)
{
    return interval->enough_data && fabs(interval->estimate) > 1.959964 * interval->standard_error;
}

struct false_positives {
    int always_valid_conversion, always_valid_revenue, always_valid_any;
    int naive_conversion, naive_revenue, naive_any;
};

/* A/A tests: both arms have the same true rate and pledge sizes, so any
 * "ahead" or "behind" at any look is a false positive for that test. */
static struct false_positives simulate_a_a(int tests, int days, uint64_t per_day, double rate)
{
    struct false_positives count = {0};
    uint64_t random = 20261129;
    for (int t = 0; t < tests; t++) {
        struct pt_stats_arm control = {0}, variant = {0};
        bool valid_conversion = false, valid_revenue = false;
        bool naive_conversion = false, naive_revenue = false;
        for (int day = 0; day < days; day++) {
            simulate_day(&control, per_day, rate, &random);
            simulate_day(&variant, per_day, rate, &random);
            struct pt_stats_comparison out = compare(control, variant);
            valid_conversion |= out.conversion.verdict != PT_STATS_NOT_YET_KNOWN;
            valid_revenue |= out.revenue.verdict != PT_STATS_NOT_YET_KNOWN;
            naive_conversion |= naive_z_says_different(&out.conversion);
            naive_revenue |= naive_z_says_different(&out.revenue);
        }
        count.always_valid_conversion += valid_conversion;
        count.always_valid_revenue += valid_revenue;
        count.always_valid_any += valid_conversion || valid_revenue;
        count.naive_conversion += naive_conversion;
        count.naive_revenue += naive_revenue;
        count.naive_any += naive_conversion || naive_revenue;
    }
    return count;
}

Test(stats, daily_peeking_keeps_false_positives_under_alpha, .timeout = 60)
{
    /* 200 A/A tests, 500 impressions per arm per day at a 2% pledge rate,
     * looked at every day for 30 days (15,000 per arm at the end). */
    const int tests = 200;
    struct false_positives count = simulate_a_a(tests, 30, 500, 0.02);
    double limit = 0.05 + 0.03; /* alpha plus about two binomial standard errors at n=200 */

    /* Through Criterion's log, not stdout, which carries TAP under meson. */
    cr_log_info("A/A false-positive rate over 30 daily looks, %d tests: "
                "always-valid conversion %.3f, revenue %.3f; "
                "naive z-test conversion %.3f, revenue %.3f",
                tests, count.always_valid_conversion / (double)tests,
                count.always_valid_revenue / (double)tests, count.naive_conversion / (double)tests,
                count.naive_revenue / (double)tests);

    cr_assert_leq(count.always_valid_conversion, limit * tests, "%d",
                  count.always_valid_conversion);
    cr_assert_leq(count.always_valid_revenue, limit * tests, "%d", count.always_valid_revenue);
    /* The contrast: the same data read with a fixed-n test at every look. */
    cr_assert_gt(count.naive_conversion, limit * tests, "%d", count.naive_conversion);
    cr_assert_gt(count.naive_revenue, limit * tests, "%d", count.naive_revenue);
}

Test(stats, a_real_lift_is_found_by_daily_looks, .timeout = 60)
{
    /* 2% against 3% with the same pledge sizes: most tests should call the
     * variant ahead within 30 days, and none should call it behind. */
    const int tests = 100;
    int ahead = 0, behind = 0;
    uint64_t random = 42;
    for (int t = 0; t < tests; t++) {
        struct pt_stats_arm control = {0}, variant = {0};
        enum pt_stats_verdict first = PT_STATS_NOT_YET_KNOWN;
        for (int day = 0; day < 30 && first == PT_STATS_NOT_YET_KNOWN; day++) {
            simulate_day(&control, 500, 0.02, &random);
            simulate_day(&variant, 500, 0.03, &random);
            first = compare(control, variant).conversion.verdict;
        }
        ahead += first == PT_STATS_AHEAD;
        behind += first == PT_STATS_BEHIND;
    }
    cr_log_info("2%% against 3%%, 500 a day per arm: ahead within 30 days in %d of %d tests", ahead,
                tests);
    cr_assert_gt(ahead, tests * 8 / 10, "%d", ahead);
    cr_assert_eq(behind, 0);
}

/* ---------------------------------------------------------------- views needed */

/* An arm scale times as large with the same means and variances: counts,
 * sums and sums of squares all grow by scale. */
static struct pt_stats_arm scaled_arm(const struct pt_stats_arm *arm, double scale)
{
    struct pt_stats_arm out = {
        .impressions = (uint64_t)llround((double)arm->impressions * scale),
        .conversions = (uint64_t)llround((double)arm->conversions * scale),
        .revenue = llround((double)arm->revenue * scale),
        .revenue_squares = arm->revenue_squares * scale,
    };
    return out;
}

static enum pt_stats_verdict verdict_at(const struct pt_stats_arm *control,
                                        const struct pt_stats_arm *variant, uint64_t more,
                                        enum pt_stats_metric metric)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    double scale =
        1.0 + (double)more / (double)(control->impressions + variant->impressions);
    struct pt_stats_arm c = scaled_arm(control, scale), v = scaled_arm(variant, scale);
    struct pt_stats_comparison out;
    cr_assert_eq(pt_stats_compare(&params, &c, &v, &out), PT_OK);
    return metric == PT_STATS_CONVERSION ? out.conversion.verdict : out.revenue.verdict;
}

Test(stats, views_needed_is_where_the_verdict_appears_if_the_rates_hold)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    /* 2.0% against 2.6% after 2,000 impressions an arm: not yet known. Each
     * pledge is 500 cents. */
    struct pt_stats_arm control = {2000, 40, 40 * 500, 40 * 500.0 * 500.0};
    struct pt_stats_arm variant = {2000, 52, 52 * 500, 52 * 500.0 * 500.0};
    for (int m = 0; m < 2; m++) {
        enum pt_stats_metric metric = m == 0 ? PT_STATS_CONVERSION : PT_STATS_REVENUE;
        cr_assert_eq(verdict_at(&control, &variant, 0, metric), PT_STATS_NOT_YET_KNOWN);
        uint64_t views = 0;
        cr_assert(pt_stats_views_needed(&params, &control, &variant, metric, &views));
        cr_assert_gt(views, 4000, "more than the test has had: %llu", (unsigned long long)views);
        cr_assert_eq(verdict_at(&control, &variant, views + views / 50, metric), PT_STATS_AHEAD,
                     "a verdict just after the projection (%llu)", (unsigned long long)views);
        cr_assert_eq(verdict_at(&control, &variant, views - views / 50, metric),
                     PT_STATS_NOT_YET_KNOWN, "none just before (%llu)",
                     (unsigned long long)views);
    }
}

Test(stats, views_needed_is_zero_once_there_is_a_verdict)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    struct pt_stats_arm control = {100000, 2000, 2000 * 500, 2000 * 500.0 * 500.0};
    struct pt_stats_arm variant = {100000, 2600, 2600 * 500, 2600 * 500.0 * 500.0};
    uint64_t views = 1;
    cr_assert(pt_stats_views_needed(&params, &control, &variant, PT_STATS_CONVERSION, &views));
    cr_assert_eq(views, 0);
}

Test(stats, views_needed_counts_the_minimum_too)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    /* A huge difference, but 50 impressions an arm: at least the minimum. */
    struct pt_stats_arm control = {50, 3, 1500, 3 * 500.0 * 500.0};
    struct pt_stats_arm variant = {50, 30, 15000, 30 * 500.0 * 500.0};
    uint64_t views = 0;
    cr_assert(pt_stats_views_needed(&params, &control, &variant, PT_STATS_CONVERSION, &views));
    cr_assert_geq(views, 100, "to 100 impressions an arm and 5 pledges: %llu",
                  (unsigned long long)views);
}

Test(stats, views_needed_cannot_be_said_without_a_difference_or_pledges)
{
    struct pt_stats_params params;
    pt_stats_params_init(&params);
    uint64_t views = 7;
    struct pt_stats_arm same = {5000, 100, 50000, 100 * 500.0 * 500.0};
    cr_assert_not(pt_stats_views_needed(&params, &same, &same, PT_STATS_CONVERSION, &views));
    cr_assert_eq(views, 0);
    struct pt_stats_arm none = {5000, 0, 0, 0};
    cr_assert_not(pt_stats_views_needed(&params, &none, &same, PT_STATS_CONVERSION, &views));
    struct pt_stats_arm empty = {0, 0, 0, 0};
    cr_assert_not(pt_stats_views_needed(&params, &empty, &same, PT_STATS_REVENUE, &views));
    /* 2.00% against 2.01%: a thousand times the test would not tell. */
    struct pt_stats_arm close_control = {10000, 200, 100000, 200 * 500.0 * 500.0};
    struct pt_stats_arm close_variant = {10000, 201, 100500, 201 * 500.0 * 500.0};
    cr_assert_not(pt_stats_views_needed(&params, &close_control, &close_variant,
                                        PT_STATS_CONVERSION, &views));
}
