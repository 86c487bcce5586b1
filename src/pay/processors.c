#include "patron/processors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/money.h"

#define ROUTES_MAX 32

struct route {
    char currency[4]; /* "EUR", or "*" for any other */
    struct pt_pay *pay;
};

struct pt_processors {
    struct pt_pay *pays[PT_PROCESSORS_MAX];
    size_t count;
    struct route routes[ROUTES_MAX];
    size_t route_count;
};

struct pt_processors *pt_processors_new(void)
{
    return pt_xcalloc(1, sizeof(struct pt_processors));
}

void pt_processors_free(struct pt_processors *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++)
        pt_pay_free(set->pays[i]);
    free(set);
}

struct pt_pay *pt_processors_named(const struct pt_processors *set, const char *name)
{
    for (size_t i = 0; set != NULL && name != NULL && i < set->count; i++) {
        if (strcmp(set->pays[i]->ops->name, name) == 0)
            return set->pays[i];
    }
    return NULL;
}

enum pt_status pt_processors_add(struct pt_processors *set, struct pt_pay *pay, char *error,
                                 size_t error_size)
{
    if (pt_processors_named(set, pay->ops->name) != NULL || set->count == PT_PROCESSORS_MAX) {
        snprintf(error, error_size, "%s is configured twice, or too many processors are",
                 pay->ops->label);
        pt_pay_free(pay);
        return PT_ERR_INVALID;
    }
    set->pays[set->count++] = pay;
    return PT_OK;
}

/* The processors that charge currencies by themselves: not the rails a
 * reader chooses beside them (a bank transfer). */
static size_t main_count(const struct pt_processors *set)
{
    size_t count = 0;
    for (size_t i = 0; i < set->count; i++)
        count += !set->pays[i]->ops->alternative;
    return count;
}

/* Without routes: the one processor that charges, or, where only rails
 * beside one are configured, the one rail. */
static struct pt_pay *sole_processor(const struct pt_processors *set)
{
    struct pt_pay *sole = NULL;
    size_t charging = main_count(set);
    for (size_t i = 0; i < set->count; i++) {
        if (charging > 0 ? set->pays[i]->ops->alternative : false)
            continue;
        if (sole != NULL)
            return NULL;
        sole = set->pays[i];
    }
    return sole;
}

static bool is_currency_code(const char *text, size_t length)
{
    if (length == 1 && text[0] == '*')
        return true;
    if (length != 3)
        return false;
    for (size_t i = 0; i < 3; i++) {
        if (text[i] < 'A' || text[i] > 'Z')
            return false;
    }
    return true;
}

enum pt_status pt_processors_route(struct pt_processors *set, const char *routes, char *error,
                                   size_t error_size)
{
    set->route_count = 0;
    const char *part = routes != NULL ? routes : "";
    while (*part != '\0') {
        while (*part == ' ' || *part == ',')
            part++;
        if (*part == '\0')
            break;
        size_t length = strcspn(part, ",");
        while (length > 0 && part[length - 1] == ' ')
            length--;
        const char *equals = memchr(part, '=', length);
        if (equals == NULL) {
            snprintf(error, error_size,
                     "currency_processors: \"%.*s\" is not CURRENCY=processor (e.g. EUR=mollie)",
                     (int)length, part);
            return PT_ERR_INVALID;
        }
        size_t code_length = (size_t)(equals - part);
        while (code_length > 0 && part[code_length - 1] == ' ')
            code_length--;
        const char *name = equals + 1;
        while (*name == ' ')
            name++;
        size_t name_length = length - (size_t)(name - part);
        char processor[32];
        snprintf(processor, sizeof(processor), "%.*s", (int)name_length, name);
        struct pt_pay *pay = pt_processors_named(set, processor);
        if (!is_currency_code(part, code_length)) {
            snprintf(error, error_size,
                     "currency_processors: \"%.*s\" is not a currency code (three capitals, or *)",
                     (int)code_length, part);
            return PT_ERR_INVALID;
        }
        if (pay == NULL) {
            snprintf(error, error_size,
                     "currency_processors: \"%s\" is not a configured processor (set its key, "
                     "e.g. mollie_api_key or stripe_secret_key)",
                     processor);
            return PT_ERR_INVALID;
        }
        if (set->route_count == ROUTES_MAX) {
            snprintf(error, error_size, "currency_processors: more than %d routes", ROUTES_MAX);
            return PT_ERR_INVALID;
        }
        struct route *route = &set->routes[set->route_count++];
        snprintf(route->currency, sizeof(route->currency), "%.*s", (int)code_length, part);
        route->pay = pay;
        part += strcspn(part, ",");
    }
    size_t charging = main_count(set);
    if (set->route_count == 0 && charging > 1) {
        snprintf(error, error_size,
                 "%zu processors are configured but currency_processors does not say which "
                 "charges which currency (e.g. \"EUR=mollie, *=stripe\")",
                 charging);
        return PT_ERR_INVALID;
    }
    return PT_OK;
}

struct pt_pay *pt_processors_for(const struct pt_processors *set, const char *currency)
{
    if (set == NULL || currency == NULL)
        return NULL;
    if (set->route_count == 0)
        return sole_processor(set);
    struct pt_pay *any = NULL;
    for (size_t i = 0; i < set->route_count; i++) {
        if (strcmp(set->routes[i].currency, currency) == 0)
            return set->routes[i].pay;
        if (strcmp(set->routes[i].currency, "*") == 0 && any == NULL)
            any = set->routes[i].pay;
    }
    return any;
}

enum pt_status pt_processors_check(const struct pt_processors *set, const char *const *currencies,
                                   size_t count, char *error, size_t error_size)
{
    if (set == NULL || set->count == 0)
        return PT_OK;
    for (size_t i = 0; i < count; i++) {
        struct pt_pay *pay = pt_processors_for(set, currencies[i]);
        if (pay == NULL) {
            snprintf(error, error_size,
                     "no payment processor charges %s: add it to currency_processors (or "
                     "\"*=processor\"), or take it out of currencies",
                     currencies[i]);
            return PT_ERR_INVALID;
        }
        for (unsigned f = 0; f < PT_FREQUENCIES; f++) {
            if (!pay->ops->supports(pay, currencies[i], (enum pt_frequency)f)) {
                snprintf(error, error_size,
                         "%s cannot charge %s %s: route %s to another processor in "
                         "currency_processors, or take it out of currencies",
                         pay->ops->label, currencies[i], pt_frequency_name((enum pt_frequency)f),
                         currencies[i]);
                return PT_ERR_INVALID;
            }
        }
    }
    return PT_OK;
}

size_t pt_processors_count(const struct pt_processors *set)
{
    return set != NULL ? set->count : 0;
}

struct pt_pay *pt_processors_at(const struct pt_processors *set, size_t index)
{
    return set != NULL && index < set->count ? set->pays[index] : NULL;
}

size_t pt_processors_offered(const struct pt_processors *set, const char *currency,
                             enum pt_frequency frequency, struct pt_pay **pays, size_t capacity)
{
    size_t count = 0;
    struct pt_pay *routed = pt_processors_for(set, currency);
    if (routed != NULL && count < capacity && routed->ops->supports(routed, currency, frequency))
        pays[count++] = routed;
    for (size_t i = 0; set != NULL && i < set->count && count < capacity; i++) {
        struct pt_pay *pay = set->pays[i];
        if (pay != routed && pay->ops->alternative && pay->ops->supports(pay, currency, frequency))
            pays[count++] = pay;
    }
    return count;
}
