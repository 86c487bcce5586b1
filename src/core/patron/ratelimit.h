/* A small in-memory rate limiter: a token bucket per client, keyed by a
 * keyed hash of the client's address, so that not even memory holds the
 * address itself. Nothing is stored on disk or logged. */
#ifndef PATRON_RATELIMIT_H
#define PATRON_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pt_ratelimit;

/* At most burst requests at once, refilled at burst per period_seconds. */
struct pt_ratelimit *pt_ratelimit_new(int burst, int period_seconds);
void pt_ratelimit_free(struct pt_ratelimit *limiter);

/* Takes one token for this client; false when it has none left. */
bool pt_ratelimit_allow(struct pt_ratelimit *limiter, const char *client, int64_t now_ms);
/* Whether this client has a token left, taking none: for limits that count
 * only failures, checked before the attempt. */
bool pt_ratelimit_peek(struct pt_ratelimit *limiter, const char *client, int64_t now_ms);

#endif
