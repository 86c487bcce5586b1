/* A/B test read-outs that stay valid when the editor looks every day.
 *
 * Each variant is compared with the control on two metrics: conversion rate
 * (pledges per impression) and revenue per impression. For each, an always-
 * valid confidence sequence (the normal-mixture sequential probability ratio
 * test of Johari et al., equal to the normal-mixture boundary of Howard et
 * al.) gives an interval for the difference, variant minus control, that
 * covers the true difference at every look at once with probability 1 - alpha.
 * docs/STATISTICS.md has the formula, its assumptions and how to read it.
 *
 * Pure functions: no I/O, no allocation, no global state. */
#ifndef PATRON_STATS_H
#define PATRON_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "patron/status.h"

/* What one arm of a test has seen so far. Revenue counts every pledge an
 * impression led to, in the currency's minor units; impressions without a
 * pledge count as zero revenue. */
struct pt_stats_arm {
    uint64_t impressions;   /* appeals shown */
    uint64_t conversions;   /* pledges made, at most impressions */
    int64_t revenue;        /* sum of pledged amounts, minor units, >= 0 */
    double revenue_squares; /* sum over impressions of (its revenue)^2, minor units
                             * squared; double because int64 overflows at, say,
                             * 100,000 pledges of 100,000.00, and the variance
                             * needs no more precision than a double has */
};

/* The three answers the dashboard may give. */
enum pt_stats_verdict {
    PT_STATS_NOT_YET_KNOWN = 0, /* the interval still contains 0, or too little data */
    PT_STATS_AHEAD,             /* the whole interval is above 0 */
    PT_STATS_BEHIND,            /* the whole interval is below 0 */
};

/* Fixed for the life of a test: changing them mid-test voids the guarantee. */
struct pt_stats_params {
    double alpha;              /* chance of any wrong "ahead"/"behind" over all looks; 0.05 */
    uint64_t min_impressions;  /* per arm before any verdict; 100 */
    uint64_t min_conversions;  /* per arm before any verdict; 5 */
    double tuning_impressions; /* per arm; the interval is tightest, relative to a
                                * fixed-size test, near this size; 10000 */
};

/* One metric's read-out. Differences are variant minus control: in rate
 * (0.002 is 0.2 percentage points) or in minor units per impression. */
struct pt_stats_interval {
    bool enough_data; /* false: below the minimum; the rest is zero */
    double estimate;  /* observed difference */
    double lower;     /* always-valid interval for the true difference */
    double upper;
    double standard_error; /* of the estimate, from the sample variances */
    enum pt_stats_verdict verdict;
};

struct pt_stats_comparison {
    struct pt_stats_interval conversion; /* conversion rate, variant - control */
    struct pt_stats_interval revenue;    /* revenue per impression, variant - control */
};

/* Fills in the defaults above. */
void pt_stats_params_init(struct pt_stats_params *params);

/* Compares a variant with the control. Returns PT_ERR_INVALID for parameters
 * outside their range or arms that cannot exist (more pledges than
 * impressions, negative revenue, squares too small for the sum), leaving
 * *out zeroed. */
enum pt_status pt_stats_compare(const struct pt_stats_params *params,
                                const struct pt_stats_arm *control,
                                const struct pt_stats_arm *variant,
                                struct pt_stats_comparison *out);

/* Half-width of the always-valid interval for an estimate with this
 * variance, mixing the alternative over a normal prior with this variance
 * (both in the estimate's units squared). Exposed for tests and docs. */
double pt_stats_radius(double variance, double mixing_variance, double alpha);

/* The mixing variance as a multiple of the estimate's variance at the tuning
 * size: 2 ln(1/alpha) + ln(1 + 2 ln(1/alpha)), 7.94 for alpha 0.05. */
double pt_stats_mixing_ratio(double alpha);

/* The two metrics a comparison has. */
enum pt_stats_metric {
    PT_STATS_CONVERSION,
    PT_STATS_REVENUE,
};

/* About how many more impressions, both arms together and split between
 * them as so far, this metric would need before its interval leaves 0 and a
 * verdict appears, if the means and variances seen so far held: the arms
 * are scaled up together until the always-valid radius (which shrinks as
 * the arms grow, with the mixing variance fixed) is below the observed
 * difference and both arms meet the minimum. 0 when the verdict is there
 * already. false when it cannot be said: an arm without impressions or
 * pledges, no difference or no variation seen, or more than 1,000 times
 * the impressions so far needed (the difference is too small to tell).
 * A projection, not a promise: the next days' data may differ. */
bool pt_stats_views_needed(const struct pt_stats_params *params, const struct pt_stats_arm *control,
                           const struct pt_stats_arm *variant, enum pt_stats_metric metric,
                           uint64_t *views);

/* "ahead", "behind", "not yet known"; never NULL. */
const char *pt_stats_verdict_name(enum pt_stats_verdict verdict);

#endif
