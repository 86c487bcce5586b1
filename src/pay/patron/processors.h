/* The payment processors a newsroom configured, and which one charges each
 * currency ("EUR through Mollie, the rest through Stripe"). main.c fills
 * the set at start and checks it; the ledger picks a processor from it by
 * currency for a new pledge and by name for a pledge that has one. */
#ifndef PATRON_PROCESSORS_H
#define PATRON_PROCESSORS_H

#include <stddef.h>

#include "patron/pay.h"
#include "patron/status.h"

#define PT_PROCESSORS_MAX 6

struct pt_processors;

/* An empty set; pt_processors_free releases it and every processor in it. */
struct pt_processors *pt_processors_new(void);
void pt_processors_free(struct pt_processors *set);

/* Adds a processor; the set owns it from now on. PT_ERR_INVALID (with the
 * reason) when the set is full or holds one of that name already. */
enum pt_status pt_processors_add(struct pt_processors *set, struct pt_pay *pay, char *error,
                                 size_t error_size);

/* Which processor charges which currency: "EUR=mollie, *=stripe" (the
 * currency "*" for every other). Empty: one processor charges all, and two
 * or more without routes are refused, since nobody said which is which;
 * rails offered beside them (a bank transfer) do not count, and charge by
 * themselves only when a route names them or nothing else is configured.
 * PT_ERR_INVALID with the reason for a route that names no configured
 * processor or no currency. */
enum pt_status pt_processors_route(struct pt_processors *set, const char *routes, char *error,
                                   size_t error_size);

/* Refuses (PT_ERR_INVALID, naming the currency) when a currency of the list
 * has no processor, or one that cannot charge it at every frequency. An
 * empty set passes: pledges then stay pending and nothing is charged. */
enum pt_status pt_processors_check(const struct pt_processors *set, const char *const *currencies,
                                   size_t count, char *error, size_t error_size);

/* The processor that charges the currency; NULL when none does. */
struct pt_pay *pt_processors_for(const struct pt_processors *set, const char *currency);

/* The processor of that name ("stripe"); NULL when it is not configured. */
struct pt_pay *pt_processors_named(const struct pt_processors *set, const char *name);

/* The rails a reader may choose between for a pledge of the currency and
 * frequency: the processor that charges it first, then each rail offered
 * beside it (pt_pay_ops.alternative) that takes it. Copies at most
 * capacity and returns how many. */
size_t pt_processors_offered(const struct pt_processors *set, const char *currency,
                             enum pt_frequency frequency, struct pt_pay **pays, size_t capacity);

/* The processors in the order they were added, for listing them. */
size_t pt_processors_count(const struct pt_processors *set);
struct pt_pay *pt_processors_at(const struct pt_processors *set, size_t index);

#endif
