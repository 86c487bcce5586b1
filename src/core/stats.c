#include "patron/stats.h"

#include <math.h>
#include <string.h>

void pt_stats_params_init(struct pt_stats_params *params)
{
    params->alpha = 0.05;
    params->min_impressions = 100;
    params->min_conversions = 5;
    params->tuning_impressions = 10000.0;
}

const char *pt_stats_verdict_name(enum pt_stats_verdict verdict)
{
    switch (verdict) {
    case PT_STATS_AHEAD: return "ahead";
    case PT_STATS_BEHIND: return "behind";
    case PT_STATS_NOT_YET_KNOWN: break;
    }
    return "not yet known";
}

/* The closed form Howard et al. use (confseq, TwoSidedNormalMixture::
 * best_rho) for the mixing variance that makes the two-sided normal-mixture
 * boundary tightest at a chosen sample size; its width there is within 0.01%
 * of the numerical optimum for alpha between 0.01 and 0.1, so no search is
 * needed at run time. */
double pt_stats_mixing_ratio(double alpha)
{
    double twice_log = 2.0 * log(1.0 / alpha);
    return twice_log + log(1.0 + twice_log);
}

/* The mSPRT statistic for an estimate d with variance V, mixing the true
 * difference over N(theta0, tau^2), is
 *     sqrt(V / (V + tau^2)) * exp(tau^2 (d - theta0)^2 / (2 V (V + tau^2))).
 * The interval is every theta0 for which it stays below 1/alpha; solving for
 * |d - theta0| gives this radius. By Ville's inequality the statistic, a
 * nonnegative martingale under theta0, crosses 1/alpha at any look with
 * probability at most alpha, which is what makes daily looks safe. */
double pt_stats_radius(double variance, double mixing_variance, double alpha)
{
    if (!(variance > 0.0) || !(mixing_variance > 0.0))
        return 0.0;
    double spread = (variance + mixing_variance) / variance;
    double squared = variance * spread * (log(spread) + 2.0 * log(1.0 / alpha));
    return sqrt(squared * variance / mixing_variance);
}

static bool arm_is_possible(const struct pt_stats_arm *arm)
{
    if (arm->conversions > arm->impressions || arm->revenue < 0)
        return false;
    if (!isfinite(arm->revenue_squares) || arm->revenue_squares < 0.0)
        return false;
    if (arm->revenue > 0 && arm->conversions == 0)
        return false;
    if (arm->impressions == 0)
        return arm->revenue == 0;
    /* Sum of squares over n impressions is at least sum^2 / n (Cauchy-Schwarz);
     * the slack absorbs rounding in a caller's double accumulator. */
    double sum = (double)arm->revenue;
    return arm->revenue_squares * (double)arm->impressions >= sum * sum * (1.0 - 1e-9);
}

static bool params_are_valid(const struct pt_stats_params *params)
{
    return params->alpha > 0.0 && params->alpha < 1.0 && params->min_impressions >= 2 &&
           isfinite(params->tuning_impressions) && params->tuning_impressions > 0.0;
}

static bool has_enough(const struct pt_stats_params *params, const struct pt_stats_arm *arm)
{
    return arm->impressions >= params->min_impressions &&
           arm->conversions >= params->min_conversions;
}

/* Per-impression variance of the pledge indicator: p (1 - p). */
static double conversion_variance(const struct pt_stats_arm *arm)
{
    double rate = (double)arm->conversions / (double)arm->impressions;
    return rate * (1.0 - rate);
}

/* Sample variance of per-impression revenue, from its sum and sum of squares;
 * clamped because cancellation can leave a tiny negative number. */
static double revenue_variance(const struct pt_stats_arm *arm)
{
    double n = (double)arm->impressions;
    double sum = (double)arm->revenue;
    double centred = arm->revenue_squares - sum * sum / n;
    return centred > 0.0 ? centred / (n - 1.0) : 0.0;
}

/* One metric: per-arm means and per-impression variances in, interval out.
 * The mixing variance is the ratio times the variance the difference would
 * have at the tuning size per arm, so it scales with the metric's own units
 * and the operator never has to state a prior in cents or rates. */
static void interval(const struct pt_stats_params *params, double control_mean,
                     double control_variance, double control_n, double variant_mean,
                     double variant_variance, double variant_n, struct pt_stats_interval *out)
{
    double variance = control_variance / control_n + variant_variance / variant_n;
    double mixing = pt_stats_mixing_ratio(params->alpha) * (control_variance + variant_variance) /
                    params->tuning_impressions;
    double radius = pt_stats_radius(variance, mixing, params->alpha);

    out->enough_data = true;
    out->estimate = variant_mean - control_mean;
    out->standard_error = sqrt(variance);
    out->lower = out->estimate - radius;
    out->upper = out->estimate + radius;
    /* With no variation in either arm the normal model says nothing, so a
     * zero-width interval must not become a verdict. */
    if (!(variance > 0.0))
        out->verdict = PT_STATS_NOT_YET_KNOWN;
    else if (out->lower > 0.0)
        out->verdict = PT_STATS_AHEAD;
    else if (out->upper < 0.0)
        out->verdict = PT_STATS_BEHIND;
    else
        out->verdict = PT_STATS_NOT_YET_KNOWN;
}

enum pt_status pt_stats_compare(const struct pt_stats_params *params,
                                const struct pt_stats_arm *control,
                                const struct pt_stats_arm *variant, struct pt_stats_comparison *out)
{
    memset(out, 0, sizeof(*out));
    if (!params_are_valid(params) || !arm_is_possible(control) || !arm_is_possible(variant))
        return PT_ERR_INVALID;
    /* Below the minimum the normal approximation is poor and a verdict
     * would be noise; the zeroed result reads "not yet known". */
    if (!has_enough(params, control) || !has_enough(params, variant))
        return PT_OK;

    double control_n = (double)control->impressions;
    double variant_n = (double)variant->impressions;
    interval(params, (double)control->conversions / control_n, conversion_variance(control),
             control_n, (double)variant->conversions / variant_n, conversion_variance(variant),
             variant_n, &out->conversion);
    interval(params, (double)control->revenue / control_n, revenue_variance(control), control_n,
             (double)variant->revenue / variant_n, revenue_variance(variant), variant_n,
             &out->revenue);
    return PT_OK;
}

/* ---------------------------------------------------------------- projection */

#define MOST_SCALE 1000.0

/* The arms' per-impression means and variances of one metric. */
static void metric_moments(const struct pt_stats_arm *arm, enum pt_stats_metric metric,
                           double *mean, double *variance)
{
    double n = (double)arm->impressions;
    if (metric == PT_STATS_CONVERSION) {
        *mean = (double)arm->conversions / n;
        *variance = conversion_variance(arm);
    } else {
        *mean = (double)arm->revenue / n;
        *variance = n > 1.0 ? revenue_variance(arm) : 0.0;
    }
}

/* The radius when both arms are scale times as large: the variance of the
 * difference shrinks by scale, the mixing variance does not (it is fixed by
 * the tuning size), so the radius falls as the test grows. */
static double scaled_radius(const struct pt_stats_params *params, double variance, double mixing,
                            double scale)
{
    return pt_stats_radius(variance / scale, mixing, params->alpha);
}

/* The least scale (>= 1) at which an arm meets the minimum, or a value above
 * MOST_SCALE when it never can (no pledges to scale up). */
static double minimum_scale(const struct pt_stats_params *params, const struct pt_stats_arm *arm)
{
    double scale = 1.0;
    if (arm->impressions < params->min_impressions)
        scale = (double)params->min_impressions / (double)arm->impressions;
    if (arm->conversions < params->min_conversions) {
        if (arm->conversions == 0)
            return 2.0 * MOST_SCALE;
        double needed = (double)params->min_conversions / (double)arm->conversions;
        scale = needed > scale ? needed : scale;
    }
    return scale;
}

bool pt_stats_views_needed(const struct pt_stats_params *params, const struct pt_stats_arm *control,
                           const struct pt_stats_arm *variant, enum pt_stats_metric metric,
                           uint64_t *views)
{
    *views = 0;
    if (!params_are_valid(params) || !arm_is_possible(control) || !arm_is_possible(variant) ||
        control->impressions == 0 || variant->impressions == 0)
        return false;
    double control_mean, control_variance, variant_mean, variant_variance;
    metric_moments(control, metric, &control_mean, &control_variance);
    metric_moments(variant, metric, &variant_mean, &variant_variance);
    double control_n = (double)control->impressions;
    double variant_n = (double)variant->impressions;
    double difference = fabs(variant_mean - control_mean);
    double variance = control_variance / control_n + variant_variance / variant_n;
    double mixing = pt_stats_mixing_ratio(params->alpha) * (control_variance + variant_variance) /
                    params->tuning_impressions;
    if (!(difference > 0.0) || !(variance > 0.0))
        return false;
    double low = minimum_scale(params, control);
    double other = minimum_scale(params, variant);
    low = other > low ? other : low;
    if (low > MOST_SCALE)
        return false;
    if (scaled_radius(params, variance, mixing, low) >= difference) {
        /* Double until the radius is below the difference, then halve the
         * gap: the radius falls steadily with the scale. */
        double high = low * 2.0;
        while (scaled_radius(params, variance, mixing, high) >= difference) {
            if (high > MOST_SCALE)
                return false;
            low = high;
            high *= 2.0;
        }
        for (int i = 0; i < 60; i++) {
            double middle = (low + high) / 2.0;
            if (scaled_radius(params, variance, mixing, middle) >= difference)
                low = middle;
            else
                high = middle;
        }
        low = high;
        if (low > MOST_SCALE)
            return false;
    }
    *views = (uint64_t)ceil((low - 1.0) * (control_n + variant_n));
    return true;
}
