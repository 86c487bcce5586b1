#include "patron/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "patron/alloc.h"

/* A fixed table: when it is full the stalest bucket is reused, so memory
 * stays bounded whatever the number of clients. */
enum { BUCKETS = 4096, PROBES = 8 };

struct bucket {
    uint64_t key;
    double tokens;
    int64_t updated_ms;
};

struct pt_ratelimit {
    pthread_mutex_t lock;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    double burst;
    double per_ms;
    struct bucket buckets[BUCKETS];
};

struct pt_ratelimit *pt_ratelimit_new(int burst, int period_seconds)
{
    struct pt_ratelimit *limiter = pt_xcalloc(1, sizeof(*limiter));
    pthread_mutex_init(&limiter->lock, NULL);
    crypto_shorthash_keygen(limiter->hash_key);
    limiter->burst = burst > 0 ? burst : 1;
    limiter->per_ms = limiter->burst / ((period_seconds > 0 ? period_seconds : 1) * 1000.0);
    return limiter;
}

void pt_ratelimit_free(struct pt_ratelimit *limiter)
{
    if (limiter == NULL)
        return;
    pthread_mutex_destroy(&limiter->lock);
    free(limiter);
}

/* Whether the client has a token left; takes `cost` of it (0 or 1) if so. */
static bool take(struct pt_ratelimit *limiter, const char *client, int64_t now_ms, double cost)
{
    unsigned char digest[crypto_shorthash_BYTES];
    crypto_shorthash(digest, (const unsigned char *)client, strlen(client), limiter->hash_key);
    uint64_t key;
    memcpy(&key, digest, sizeof(key));
    key |= 1; /* 0 marks an empty bucket */
    pthread_mutex_lock(&limiter->lock);
    struct bucket *found = NULL, *stalest = NULL;
    for (size_t probe = 0; probe < PROBES; probe++) {
        struct bucket *bucket = &limiter->buckets[(key + probe) % BUCKETS];
        if (bucket->key == key) {
            found = bucket;
            break;
        }
        /* An empty bucket beats any used one; among used ones, the oldest. */
        if (stalest == NULL ||
            (stalest->key != 0 && (bucket->key == 0 || bucket->updated_ms < stalest->updated_ms)))
            stalest = bucket;
    }
    if (found == NULL) {
        found = stalest;
        found->key = key;
        found->tokens = limiter->burst;
        found->updated_ms = now_ms;
    }
    double refill = (double)(now_ms - found->updated_ms) * limiter->per_ms;
    if (refill > 0) {
        found->tokens += refill;
        if (found->tokens > limiter->burst)
            found->tokens = limiter->burst;
        found->updated_ms = now_ms;
    }
    bool allowed = found->tokens >= 1.0;
    if (allowed)
        found->tokens -= cost;
    pthread_mutex_unlock(&limiter->lock);
    return allowed;
}

bool pt_ratelimit_allow(struct pt_ratelimit *limiter, const char *client, int64_t now_ms)
{
    return take(limiter, client, now_ms, 1.0);
}

bool pt_ratelimit_peek(struct pt_ratelimit *limiter, const char *client, int64_t now_ms)
{
    return take(limiter, client, now_ms, 0.0);
}
