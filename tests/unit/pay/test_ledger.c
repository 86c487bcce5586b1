/* The ledger (pledges.c) on its own: a real SQLite store in a scratch
 * folder, a stand-in processor written here that records every call and
 * answers what each test scripts, and a store wrapper whose writes fail on
 * demand. No HTTP, no app. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "patron/crypto.h"
#include "patron/pay.h"
#include "patron/pledges.h"
#include "patron/refunds.h"
#include "patron/store.h"
#include "scratch.h"

static const int64_t NOW = 1800000000;

/* ------------------------------------------------------ the fake processor */

/* What the processor was asked, and what it is to answer. */
static struct fake_processor {
    struct pt_pay super;
    int checkouts;
    struct {
        char pledge_id[64];
        enum pt_frequency frequency;
        int64_t amount_minor;
        char currency[4];
        char language[8];
        char success_url[512];
    } checkout_asked;
    enum pt_status checkout_answer;
    int session_reads;
    struct pt_pay_session session;
    int subscription_reads;
    struct pt_pay_subscription subscription;
    enum pt_status subscription_answer;
    void (*on_subscription_read)(void); /* runs once, inside the next read */
    int amount_changes;
    int64_t amount_asked;
    int pause_calls;
    bool paused_asked;
    int cancels;
    enum pt_status change_answer; /* for amount, pause and cancel */
    char resumed_as[PT_PAY_ID_MAX]; /* a processor that resumes with a new subscription */
    int64_t minimum;                /* its smallest charge */
    char last_key[200];
    struct pt_pay_charge charge;    /* a charge as re-read, with its refunds and dispute */
    int charge_reads;
    int refunds_asked;
    int64_t refund_amount_asked;
    struct pt_pay_refund refund;    /* what a refund call answers */
    int customers_deleted;          /* erasures asked of it */
    char deleted_customer[PT_PAY_ID_MAX];
} fake;

static enum pt_status fake_checkout(struct pt_pay *pay,
                                    const struct pt_pay_checkout_request *request,
                                    struct pt_pay_checkout *checkout, char *error,
                                    size_t error_size)
{
    (void)pay;
    fake.checkouts++;
    snprintf(fake.checkout_asked.pledge_id, 64, "%s", request->pledge_id);
    fake.checkout_asked.frequency = request->frequency;
    fake.checkout_asked.amount_minor = request->amount_minor;
    snprintf(fake.checkout_asked.currency, 4, "%s", request->currency);
    snprintf(fake.checkout_asked.language, 8, "%s", request->language);
    snprintf(fake.checkout_asked.success_url, 512, "%s", request->success_url);
    if (fake.checkout_answer) {
        snprintf(error, error_size, "the processor is down");
        return fake.checkout_answer;
    }
    snprintf(checkout->id, sizeof(checkout->id), "cs_%d", fake.checkouts);
    snprintf(checkout->url, sizeof(checkout->url), "https://pay.example/cs_%d", fake.checkouts);
    return PT_OK;
}

static enum pt_status fake_read_session(struct pt_pay *pay, const char *id,
                                        struct pt_pay_session *session, char *error,
                                        size_t error_size)
{
    (void)pay;
    fake.session_reads++;
    if (strcmp(id, fake.session.id) != 0) {
        snprintf(error, error_size, "no such checkout");
        return PT_ERR_NOT_FOUND;
    }
    *session = fake.session;
    return PT_OK;
}

static enum pt_status fake_read_subscription(struct pt_pay *pay, const char *customer,
                                             const char *id,
                                             struct pt_pay_subscription *subscription, char *error,
                                             size_t error_size)
{
    (void)pay, (void)customer;
    fake.subscription_reads++;
    if (fake.subscription_answer || strcmp(id, fake.subscription.id) != 0) {
        snprintf(error, error_size, "no such subscription");
        return fake.subscription_answer ? fake.subscription_answer : PT_ERR_NOT_FOUND;
    }
    /* The copy is taken before the hook runs: the hook stands for another
     * delivery that reads (and applies) a newer state meanwhile. */
    *subscription = fake.subscription;
    void (*hook)(void) = fake.on_subscription_read;
    fake.on_subscription_read = NULL;
    if (hook != NULL)
        hook();
    return PT_OK;
}

static enum pt_status fake_change_amount(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                         int64_t amount_minor, const char *key, char *error,
                                         size_t error_size)
{
    (void)pay, (void)pledge;
    fake.amount_changes++;
    fake.amount_asked = amount_minor;
    snprintf(fake.last_key, sizeof(fake.last_key), "%s", key);
    if (fake.change_answer)
        snprintf(error, error_size, "refused");
    return fake.change_answer;
}

static enum pt_status fake_set_paused(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                      bool paused, const char *key,
                                      char replaced_by[PT_PAY_ID_MAX], char *error,
                                      size_t error_size)
{
    (void)pay, (void)pledge;
    snprintf(replaced_by, PT_PAY_ID_MAX, "%s", fake.resumed_as);
    fake.pause_calls++;
    fake.paused_asked = paused;
    snprintf(fake.last_key, sizeof(fake.last_key), "%s", key);
    if (fake.change_answer)
        snprintf(error, error_size, "refused");
    return fake.change_answer;
}

static enum pt_status fake_cancel(struct pt_pay *pay, const struct pt_pay_pledge *pledge,
                                  const char *key, char *error, size_t error_size)
{
    (void)pay, (void)pledge;
    fake.cancels++;
    snprintf(fake.last_key, sizeof(fake.last_key), "%s", key);
    if (fake.change_answer)
        snprintf(error, error_size, "refused");
    return fake.change_answer;
}

static enum pt_status fake_read_charge(struct pt_pay *pay, const char *id,
                                       struct pt_pay_charge *charge, char *error,
                                       size_t error_size)
{
    (void)pay;
    fake.charge_reads++;
    if (strcmp(id, fake.charge.id) != 0) {
        snprintf(error, error_size, "no such charge");
        return PT_ERR_NOT_FOUND;
    }
    *charge = fake.charge;
    return PT_OK;
}

static enum pt_status fake_refund(struct pt_pay *pay, const char *payment_id,
                                  int64_t amount_minor, const char *currency, const char *key,
                                  struct pt_pay_refund *refund, char *error, size_t error_size)
{
    (void)pay, (void)payment_id, (void)currency, (void)error, (void)error_size;
    fake.refunds_asked++;
    fake.refund_amount_asked = amount_minor;
    snprintf(fake.last_key, sizeof(fake.last_key), "%s", key);
    *refund = fake.refund;
    refund->amount_minor = amount_minor;
    return PT_OK;
}

static bool fake_supports(const struct pt_pay *pay, const char *currency,
                          enum pt_frequency frequency)
{
    (void)pay, (void)frequency;
    return strcmp(currency, "XXX") != 0;
}

static int64_t fake_minimum(const struct pt_pay *pay, const char *currency)
{
    (void)pay, (void)currency;
    return fake.minimum;
}

/* The fake is static: the processor set that "frees" it leaves it be. */
static void fake_free_static(struct pt_pay *pay)
{
    (void)pay;
}

static enum pt_status fake_delete_customer(struct pt_pay *pay, const char *customer, char *error,
                                           size_t error_size)
{
    (void)pay, (void)error, (void)error_size;
    fake.customers_deleted++;
    snprintf(fake.deleted_customer, sizeof(fake.deleted_customer), "%s", customer);
    return PT_OK;
}

static const struct pt_pay_ops fake_ops = {
    .name = "fake",
    .label = "Fake",
    .supports = fake_supports,
    .minimum = fake_minimum,
    .create_checkout = fake_checkout,
    .read_session = fake_read_session,
    .read_subscription = fake_read_subscription,
    .change_amount = fake_change_amount,
    .set_paused = fake_set_paused,
    .cancel = fake_cancel,
    .read_charge = fake_read_charge,
    .refund = fake_refund,
    .delete_customer = fake_delete_customer,
    .free = fake_free_static,
};

/* ------------------------------------------------- a store that can fail */

/* Forwards to the scratch store; while fail_writes is set, every write the
 * ledger makes is refused before it reaches SQLite. */
static struct failing_store {
    struct pt_store super;
    struct pt_store *inner;
    bool fail_writes;
    int refused;
} wrapper;

#define INNER wrapper.inner
#define REFUSE_IF_FAILING                                                                          \
    do {                                                                                           \
        if (wrapper.fail_writes) {                                                                 \
            wrapper.refused++;                                                                     \
            return PT_ERR_IO;                                                                      \
        }                                                                                          \
    } while (0)

static enum pt_status wrap_pledge_add(struct pt_store *store, const struct pt_pledge *pledge)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->pledge_add(INNER, pledge);
}

static enum pt_status wrap_pledge_get(struct pt_store *store, const char *id,
                                      struct pt_pledge_record *pledge)
{
    (void)store;
    return INNER->ops->pledge_get(INNER, id, pledge);
}

static enum pt_status wrap_pledge_find(struct pt_store *store, const char *subscription_id,
                                       const char *checkout_id, struct pt_pledge_record *pledge)
{
    (void)store;
    return INNER->ops->pledge_find(INNER, subscription_id, checkout_id, pledge);
}

static enum pt_status wrap_pledges_by_email(struct pt_store *store, const unsigned char *email_hash,
                                            char (*ids)[33], size_t capacity, size_t *count)
{
    (void)store;
    return INNER->ops->pledges_by_email(INNER, email_hash, ids, capacity, count);
}

static enum pt_status wrap_pledge_set_checkout(struct pt_store *store, const char *id,
                                               const char *processor, const char *checkout_id)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->pledge_set_checkout(INNER, id, processor, checkout_id);
}

static enum pt_status wrap_ledger_apply(struct pt_store *store,
                                        const struct pt_ledger_change *change,
                                        struct pt_ledger_result *result)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->ledger_apply(INNER, change, result);
}

static enum pt_status wrap_outbox_pending(struct pt_store *store, struct pt_outbox_item *items,
                                          size_t capacity, size_t *count)
{
    (void)store;
    return INNER->ops->outbox_pending(INNER, items, capacity, count);
}

static enum pt_status wrap_outbox_release(struct pt_store *store, int64_t id)
{
    (void)store;
    return INNER->ops->outbox_release(INNER, id);
}

static enum pt_status wrap_lost_request_add(struct pt_store *store, const unsigned char *email_hash,
                                            const char *kind, int64_t now)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->lost_request_add(INNER, email_hash, kind, now);
}

static enum pt_status wrap_lost_requests_pending(struct pt_store *store,
                                                 struct pt_lost_request *requests, size_t capacity,
                                                 size_t *count)
{
    (void)store;
    return INNER->ops->lost_requests_pending(INNER, requests, capacity, count);
}

static enum pt_status wrap_lost_request_answer(struct pt_store *store, int64_t id,
                                               const char *pledge_id, const char *kind,
                                               int64_t now)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->lost_request_answer(INNER, id, pledge_id, kind, now);
}

static enum pt_status wrap_magic_emails_since(struct pt_store *store,
                                              const unsigned char *email_hash, int64_t since,
                                              int64_t *count)
{
    (void)store;
    return INNER->ops->magic_emails_since(INNER, email_hash, since, count);
}

static enum pt_status wrap_payment_get(struct pt_store *store, const char *id,
                                       struct pt_store_payment *payment)
{
    (void)store;
    return INNER->ops->payment_get(INNER, id, payment);
}

static enum pt_status wrap_donor_erase(struct pt_store *store, const unsigned char email_hash[32],
                                       int64_t now, size_t *pledges)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->donor_erase(INNER, email_hash, now, pledges);
}

static enum pt_status wrap_pledge_erase(struct pt_store *store, const char *pledge_id,
                                        int64_t now, const char *note)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->pledge_erase(INNER, pledge_id, now, note);
}

static enum pt_status wrap_pledges_to_erase(struct pt_store *store, bool one_off,
                                            int64_t cancelled_before, char (*ids)[33],
                                            size_t capacity, size_t *count)
{
    (void)store;
    return INNER->ops->pledges_to_erase(INNER, one_off, cancelled_before, ids, capacity, count);
}

static enum pt_status wrap_manage_code_set(struct pt_store *store, const char *pledge_id,
                                           const unsigned char code_hash[32], bool replace,
                                           int64_t now)
{
    (void)store;
    REFUSE_IF_FAILING;
    return INNER->ops->manage_code_set(INNER, pledge_id, code_hash, replace, now);
}

static enum pt_status wrap_manage_code_find(struct pt_store *store,
                                            const unsigned char *code_hash,
                                            const char *pledge_id, char found[33])
{
    (void)store;
    return INNER->ops->manage_code_find(INNER, code_hash, pledge_id, found);
}

static void wrap_close(struct pt_store *store)
{
    (void)store; /* the scratch store is closed by pt_scratch_close */
}

/* Whatever else the ledger called would be NULL here and crash the test:
 * a new store call shows up as a failure, not as a silent pass. */
static const struct pt_store_ops wrapper_ops = {
    .name = "failing",
    .pledge_add = wrap_pledge_add,
    .pledge_get = wrap_pledge_get,
    .pledge_find = wrap_pledge_find,
    .pledges_by_email = wrap_pledges_by_email,
    .pledge_set_checkout = wrap_pledge_set_checkout,
    .ledger_apply = wrap_ledger_apply,
    .outbox_pending = wrap_outbox_pending,
    .outbox_release = wrap_outbox_release,
    .lost_request_add = wrap_lost_request_add,
    .lost_requests_pending = wrap_lost_requests_pending,
    .lost_request_answer = wrap_lost_request_answer,
    .magic_emails_since = wrap_magic_emails_since,
    .payment_get = wrap_payment_get,
    .donor_erase = wrap_donor_erase,
    .pledge_erase = wrap_pledge_erase,
    .pledges_to_erase = wrap_pledges_to_erase,
    .manage_code_set = wrap_manage_code_set,
    .manage_code_find = wrap_manage_code_find,
    .close = wrap_close,
};

/* ------------------------------------------------------------- the setup */

static struct pt_scratch scratch;
static struct pt_crypto crypto;
static struct pt_mail_settings no_mail = {.url = ""};
static struct pt_ledger ledger;
static struct pt_processors *processors;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    pt_scratch_open(&scratch, "ledger");
    char key_path[PATH_MAX + 16], error[256];
    snprintf(key_path, sizeof(key_path), "%s/key", scratch.folder);
    cr_assert_eq(pt_crypto_load(&crypto, key_path, error, sizeof(error)), PT_OK, "%s", error);
    memset(&fake, 0, sizeof(fake));
    fake.super.ops = &fake_ops;
    fake.minimum = 50;
    processors = pt_processors_new();
    cr_assert_eq(pt_processors_add(processors, &fake.super, error, sizeof(error)), PT_OK);
    memset(&wrapper, 0, sizeof(wrapper));
    wrapper.super.ops = &wrapper_ops;
    wrapper.inner = scratch.store;
    ledger = (struct pt_ledger){
        .store = &wrapper.super,
        .processors = processors,
        .crypto = &crypto,
        .mail = &no_mail,
        .public_url = "https://news.example",
        .newsroom_name = "The Example",
        .manage_link_days = 30,
        .outbox = NULL,
    };
}

static void teardown(void)
{
    pt_processors_free(processors);
    pt_scratch_close(&scratch);
}

TestSuite(ledger, .init = setup, .fini = teardown);

static int64_t count(const char *sql_format, const char *pledge_id)
{
    char sql[400];
    snprintf(sql, sizeof(sql), sql_format, pledge_id);
    return pt_scratch_query_int(&scratch, sql);
}

static int64_t emails(const char *pledge_id, const char *kind)
{
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE pledge_id = '%s' AND kind = '%s'",
             pledge_id, kind);
    return pt_scratch_query_int(&scratch, sql);
}

static struct pt_pledge_record pledge_now(const char *id)
{
    struct pt_pledge_record record;
    cr_assert_eq(pt_store_pledge_get(scratch.store, id, &record), PT_OK);
    return record;
}

/* A monthly pledge of $5.00 through the ledger, with the processor's
 * checkout (cs_1) and, scripted for later reads, that checkout completed
 * with subscription sub_1 active. */
static void monthly_pledge(char id[33])
{
    struct pt_pledge_request request = {
        PT_FREQUENCY_MONTHLY, 500, "USD", "spring", "a", "en", NULL, NULL, NULL, NULL, false, NULL};
    char url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    fake.session = (struct pt_pay_session){.status = "complete",
                                           .payment_status = "paid",
                                           .customer = "cus_1",
                                           .subscription = "sub_1",
                                           .email = "Donor@Example.org",
                                           .amount_total = 500,
                                           .currency = "usd"};
    snprintf(fake.session.id, sizeof(fake.session.id), "cs_1");
    snprintf(fake.session.pledge_id, sizeof(fake.session.pledge_id), "%s", id);
    fake.subscription = (struct pt_pay_subscription){.id = "sub_1",
                                                     .customer = "cus_1",
                                                     .status = "active",
                                                     .amount_minor = 500,
                                                     .currency = "usd"};
    snprintf(fake.subscription.pledge_id, sizeof(fake.subscription.pledge_id), "%s", id);
}

/* An event as a back end hands it over: the ledger reads only its kind;
 * the processor's name goes into the history. Names here are Stripe's, as
 * the stand-in processor would call them. */
static struct pt_pay_event event(const char *id, const char *type, const char *object_id,
                                 const char *subscription)
{
    struct pt_pay_event e = {0};
    e.kind = strncmp(type, "checkout.session.", 17) == 0        ? PT_PAY_EVENT_CHECKOUT_DONE
             : strcmp(type, "invoice.paid") == 0                ? PT_PAY_EVENT_PAYMENT_SUCCEEDED
             : strcmp(type, "invoice.payment_failed") == 0      ? PT_PAY_EVENT_PAYMENT_FAILED
             : strncmp(type, "customer.subscription.", 22) == 0 ? PT_PAY_EVENT_SUBSCRIPTION
                                                                : PT_PAY_EVENT_OTHER;
    snprintf(e.id, sizeof(e.id), "%s", id);
    snprintf(e.type, sizeof(e.type), "%s", type);
    snprintf(e.object_id, sizeof(e.object_id), "%s", object_id);
    snprintf(e.subscription, sizeof(e.subscription), "%s", subscription);
    return e;
}

static enum pt_status apply(const struct pt_pay_event *e, int64_t now,
                            struct pt_ledger_result *result, bool *ignored)
{
    char error[256];
    return pt_pledges_apply_event(&ledger, &fake.super, e, now, result, ignored, error,
                                  sizeof(error));
}

static void apply_ok(const struct pt_pay_event *e, int64_t now, struct pt_ledger_result *result)
{
    bool ignored = true;
    cr_assert_eq(apply(e, now, result, &ignored), PT_OK, "%s", e->id);
    cr_assert_not(ignored, "%s was ignored", e->id);
}

/* ------------------------------------------------------------- creating */

/* A reader whose device keeps nothing: the thank-you page is told, through
 * the address the processor sends the reader back to. */
Test(ledger, a_pledge_from_a_device_that_keeps_nothing_tells_the_thank_you_page)
{
    struct pt_pledge_request request = {
        PT_FREQUENCY_ONE_OFF, 700, "USD", NULL, NULL, "en", NULL, NULL, NULL, NULL, true, NULL};
    char id[33], url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    const char *tail = strstr(fake.checkout_asked.success_url, "&trace=none");
    cr_assert_not_null(tail, "%s", fake.checkout_asked.success_url);
    cr_assert_str_eq(tail, "&trace=none", "last, after the pledge and any return address");
}

Test(ledger, creating_a_pledge_stores_it_pending_and_asks_for_one_checkout)
{
    struct pt_pledge_request request = {PT_FREQUENCY_ANNUAL, 12000, "EUR", "spring", "b", "ru",
                                        "https://news.example/article", NULL, NULL, NULL,
                                        false, NULL};
    char id[33], url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(strlen(id), 32);
    cr_assert_str_eq(url, "https://pay.example/cs_1");
    cr_assert_eq(fake.checkouts, 1);
    cr_assert_str_eq(fake.checkout_asked.pledge_id, id);
    cr_assert_eq(fake.checkout_asked.amount_minor, 12000);
    cr_assert_str_eq(fake.checkout_asked.currency, "EUR");
    cr_assert_eq(fake.checkout_asked.frequency, PT_FREQUENCY_ANNUAL);
    cr_assert_str_eq(fake.checkout_asked.language, "ru");
    cr_assert(strstr(fake.checkout_asked.success_url, "https://news.example/thanks?pledge=") ==
                  fake.checkout_asked.success_url,
              "%s", fake.checkout_asked.success_url);
    cr_assert_not_null(strstr(fake.checkout_asked.success_url, "&return="));
    cr_assert_null(strstr(fake.checkout_asked.success_url, "trace="),
                   "the device may keep the supporter flag");

    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "pending");
    cr_assert_eq(record.amount_minor, 12000);
    cr_assert_str_eq(record.currency, "EUR");
    cr_assert_eq(record.frequency, PT_FREQUENCY_ANNUAL);
    cr_assert_str_eq(record.campaign, "spring");
    cr_assert_str_eq(record.checkout_id, "cs_1");
    cr_assert_str_eq(record.processor, "fake");
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE pledge_id = '%s'", id), 0,
                 "nothing is emailed for a pledge not yet paid");
}

/* A reader on a mirror or the onion comes back there, and the pledge's
 * emails lead there; the address is kept sealed, and only when the emails
 * will use it. */
Test(ledger, a_pledge_made_on_a_mirror_returns_there_and_keeps_the_address_sealed)
{
    static const char *const urls[] = {
        "https://news.example", "https://mirror.example",
        "http://newsroomabcdefghijklmnopqrstuvwxyz2345678910abcd.onion"};
    ledger.origins.urls = urls;
    ledger.origins.count = 3;
    struct pt_pledge_request request = {
        PT_FREQUENCY_MONTHLY, 500, "USD", NULL, NULL, "en", NULL, NULL, NULL, NULL, false, urls[2]};
    char id[33], url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert(strncmp(fake.checkout_asked.success_url, urls[2], strlen(urls[2])) == 0, "%s",
              fake.checkout_asked.success_url);
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_gt(record.origin_sealed_length, strlen(urls[2]), "sealed: nonce and tag added");
    cr_assert_null(memmem(record.origin_sealed, record.origin_sealed_length, "onion", 5),
                   "not in plain text");
    cr_assert_eq(pt_pledges_origin(&ledger, &record), urls[2]);

    /* The newsroom dropped the address since: the primary. */
    ledger.origins.count = 2;
    cr_assert_str_eq(pt_pledges_origin(&ledger, &record), "https://news.example");
    ledger.origins.count = 3;
    /* The newsroom links every email to one address. */
    ledger.origins.email_origin = "https://mirror.example";
    cr_assert_str_eq(pt_pledges_origin(&ledger, &record), "https://mirror.example");

    /* With email_origin set, nothing is kept; on the primary, nothing either. */
    request.origin = urls[1];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert(strncmp(fake.checkout_asked.success_url, "https://mirror.example/thanks", 29) == 0,
              "%s", fake.checkout_asked.success_url);
    cr_assert_eq(pledge_now(id).origin_sealed_length, 0);
    ledger.origins.email_origin = NULL;
    request.origin = urls[0];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(pledge_now(id).origin_sealed_length, 0);
    cr_assert_str_eq(pt_pledges_origin(&ledger, &record), urls[2]);
}

Test(ledger, without_a_processor_the_pledge_is_stored_and_nothing_is_asked)
{
    ledger.processors = NULL;
    struct pt_pledge_request request = {
        PT_FREQUENCY_ONE_OFF, 700, "USD", NULL, NULL, "en", NULL, NULL, NULL, NULL, false, NULL};
    char id[33], url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK);
    cr_assert_str_eq(url, "");
    cr_assert_eq(fake.checkouts, 0);
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "pending");
    cr_assert_str_eq(record.campaign, "");
}

Test(ledger, a_refused_checkout_leaves_a_pending_pledge_that_no_checkout_names)
{
    fake.checkout_answer = PT_ERR_IO;
    struct pt_pledge_request request = {
        PT_FREQUENCY_MONTHLY, 500, "USD", "spring", "a", "en", NULL, NULL, NULL, NULL, false, NULL};
    char id[33], url[PT_PAY_URL_MAX], error[256] = "";
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_ERR_IO);
    cr_assert_str_eq(error, "the processor is down");
    cr_assert_eq(fake.checkouts, 1, "asked once, not retried");
    cr_assert_eq(strlen(id), 32, "the caller learns the pledge was stored");
    cr_assert_str_eq(url, "");
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "pending");
    cr_assert_str_eq(record.checkout_id, "");
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM pledges"), 1);
}

Test(ledger, a_pledge_the_store_refuses_never_reaches_the_processor)
{
    wrapper.fail_writes = true;
    struct pt_pledge_request request = {
        PT_FREQUENCY_MONTHLY, 500, "USD", "spring", "a", "en", NULL, NULL, NULL, NULL, false, NULL};
    char id[33] = "x", url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_ERR_IO);
    cr_assert_str_eq(id, "");
    cr_assert_eq(fake.checkouts, 0);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM pledges"), 0);
}

/* ------------------------------------------------------- applying events */

Test(ledger, a_completed_checkout_activates_the_pledge_and_queues_one_thank_you)
{
    char id[33];
    monthly_pledge(id);
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    struct pt_ledger_result result;
    apply_ok(&completed, NOW + 60, &result);
    cr_assert(result.status_changed);
    cr_assert_not(result.duplicate);

    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "active");
    cr_assert_str_eq(record.subscription_id, "sub_1");
    cr_assert_str_eq(record.customer_id, "cus_1");
    cr_assert_gt(record.email_sealed_length, 0);
    char *address = NULL;
    cr_assert_eq(pt_crypto_open(&crypto, record.email_sealed, record.email_sealed_length, &address),
                 PT_OK);
    cr_assert_str_eq(address, "donor@example.org", "sealed as normalised");
    free(address);
    cr_assert_eq(emails(id, "thanks"), 1);
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE pledge_id = '%s'", id), 1);
}

Test(ledger, the_same_event_again_changes_nothing_and_sends_nothing_more)
{
    char id[33];
    monthly_pledge(id);
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    struct pt_ledger_result result;
    apply_ok(&completed, NOW + 60, &result);
    int64_t history = count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s'", id);

    apply_ok(&completed, NOW + 120, &result);
    cr_assert(result.duplicate);
    cr_assert_not(result.status_changed);
    cr_assert_eq(count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s'", id), history);
    cr_assert_eq(emails(id, "thanks"), 1);
    cr_assert_str_eq(pledge_now(id).status, "active");
}

Test(ledger, a_late_update_cannot_roll_back_a_cancellation)
{
    char id[33];
    monthly_pledge(id);
    struct pt_ledger_result result;
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    apply_ok(&completed, NOW + 60, &result);
    /* The processor has cancelled; its "deleted" event comes before an
     * older "updated" one that still carried the active state. */
    snprintf(fake.subscription.status, sizeof(fake.subscription.status), "canceled");
    struct pt_pay_event deleted = event("evt_3", "customer.subscription.deleted", "sub_1", "sub_1");
    deleted.created = NOW + 200;
    apply_ok(&deleted, NOW + 300, &result);
    cr_assert_str_eq(pledge_now(id).status, "cancelled");
    int64_t history = count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s'", id);

    struct pt_pay_event updated = event("evt_2", "customer.subscription.updated", "sub_1", "sub_1");
    updated.created = NOW + 100;
    apply_ok(&updated, NOW + 400, &result);
    cr_assert_not(result.status_changed);
    cr_assert_str_eq(pledge_now(id).status, "cancelled");
    cr_assert_eq(count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s'", id), history);
    cr_assert_eq(emails(id, "cancelled"), 1);
    cr_assert_eq(emails(id, "thanks"), 1);
}

/* Two deliveries at once: the first read the subscription (active), then,
 * before it was written, the second read and applied the cancellation. The
 * first's older reading must not bring the pledge back. */
static char racing_pledge[33];

static void cancel_meanwhile(void)
{
    struct timespec pause = {0, 3 * 1000 * 1000}; /* readings are in milliseconds */
    nanosleep(&pause, NULL);
    snprintf(fake.subscription.status, sizeof(fake.subscription.status), "canceled");
    struct pt_pay_event deleted =
        event("evt_deleted", "customer.subscription.deleted", "sub_1", "sub_1");
    struct pt_ledger_result result;
    apply_ok(&deleted, NOW + 200, &result);
    cr_assert_str_eq(pledge_now(racing_pledge).status, "cancelled");
}

Test(ledger, an_older_reading_applied_after_a_newer_one_changes_no_state)
{
    monthly_pledge(racing_pledge);
    struct pt_ledger_result result;
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    apply_ok(&completed, NOW + 60, &result);
    snprintf(fake.subscription.status, sizeof(fake.subscription.status), "past_due");
    fake.on_subscription_read = cancel_meanwhile;
    struct pt_pay_event updated =
        event("evt_updated", "customer.subscription.updated", "sub_1", "sub_1");
    apply_ok(&updated, NOW + 201, &result);
    cr_assert_not(result.status_changed);
    cr_assert_eq(fake.subscription_reads, 3, "checkout, the stale update, the cancellation");
    cr_assert_str_eq(pledge_now(racing_pledge).status, "cancelled");
    cr_assert_eq(count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s' AND "
                       "status = 'past_due'",
                       racing_pledge),
                 0);
}

Test(ledger, a_payment_before_the_checkout_event_activates_the_pledge_once)
{
    char id[33];
    monthly_pledge(id);
    struct pt_ledger_result result;
    struct pt_pay_event paid = event("evt_paid", "invoice.paid", "in_1", "sub_1");
    paid.amount_minor = 500;
    snprintf(paid.currency, sizeof(paid.currency), "USD");
    apply_ok(&paid, NOW + 30, &result);
    cr_assert(result.status_changed);
    cr_assert(result.payment_recorded);
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "active");
    cr_assert_eq(record.email_sealed_length, 0, "the address comes with the checkout");
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE pledge_id = '%s'", id), 1);

    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    apply_ok(&completed, NOW + 60, &result);
    cr_assert_not(result.status_changed);
    record = pledge_now(id);
    cr_assert_str_eq(record.status, "active");
    cr_assert_gt(record.email_sealed_length, 0);
    cr_assert_eq(emails(id, "thanks"), 1);
    cr_assert_eq(emails(id, "receipt"), 1);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE pledge_id = '%s'", id), 1);
}

Test(ledger, events_about_other_things_are_ignored_and_change_nothing)
{
    char id[33];
    monthly_pledge(id);
    struct pt_ledger_result result;
    bool ignored = false;
    struct pt_pay_event other = event("evt_x", "product.created", "prod_1", "");
    cr_assert_eq(apply(&other, NOW, &result, &ignored), PT_OK);
    cr_assert(ignored);
    cr_assert_eq(fake.subscription_reads + fake.session_reads, 0, "not even read");

    ignored = false;
    struct pt_pay_event foreign = event("evt_y", "invoice.paid", "in_9", "sub_foreign");
    cr_assert_eq(apply(&foreign, NOW, &result, &ignored), PT_OK);
    cr_assert(ignored);
    cr_assert_str_eq(pledge_now(id).status, "pending");
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM processor_events"), 0);
}

/* ------------------------------------------------------------- failures */

Test(ledger, a_refused_write_returns_an_error_and_the_event_applies_later)
{
    char id[33];
    monthly_pledge(id);
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    struct pt_ledger_result result;
    bool ignored = false;
    wrapper.fail_writes = true;
    cr_assert_eq(apply(&completed, NOW + 60, &result, &ignored), PT_ERR_IO);
    cr_assert_eq(wrapper.refused, 1);
    cr_assert_str_eq(pledge_now(id).status, "pending");
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM processor_events"), 0);
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE pledge_id = '%s'", id), 0);

    wrapper.fail_writes = false;
    apply_ok(&completed, NOW + 120, &result);
    cr_assert(result.status_changed);
    cr_assert_not(result.duplicate, "the failed try left no trace of the event");
    cr_assert_str_eq(pledge_now(id).status, "active");
    cr_assert_eq(emails(id, "thanks"), 1);
}

/* Runs sql on a connection of the test's own (the store sees it at once). */
static void exec_sql(const char *sql)
{
    cr_assert(pt_scratch_exec(&scratch, sql), "%s", sql);
}

Test(ledger, a_write_that_fails_midway_leaves_nothing_half_written)
{
    char id[33];
    monthly_pledge(id);
    int64_t history = count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s'", id);
    /* The event, the state and the history row are written; the email,
     * last in the transaction, fails. */
    if (pt_scratch_is_postgresql(&scratch))
        exec_sql("CREATE FUNCTION refuse_email() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$; "
                 "CREATE TRIGGER refuse_email BEFORE INSERT ON outbox "
                 "FOR EACH ROW EXECUTE FUNCTION refuse_email()");
    else
        exec_sql("CREATE TRIGGER refuse_email BEFORE INSERT ON outbox BEGIN "
                 "SELECT RAISE(ABORT, 'disk full'); END");
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    struct pt_ledger_result result;
    bool ignored = false;
    cr_assert_neq(apply(&completed, NOW + 60, &result, &ignored), PT_OK);
    cr_assert_not(result.status_changed, "the result says nothing was done");
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "pending");
    cr_assert_eq(record.email_sealed_length, 0);
    cr_assert_str_eq(record.customer_id, "");
    cr_assert_eq(count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s'", id), history);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM processor_events"), 0);

    exec_sql(pt_scratch_is_postgresql(&scratch) ? "DROP TRIGGER refuse_email ON outbox"
                                                : "DROP TRIGGER refuse_email");
    apply_ok(&completed, NOW + 120, &result);
    cr_assert_str_eq(pledge_now(id).status, "active");
    cr_assert_eq(emails(id, "thanks"), 1);
}

/* ------------------------------------------------------ the donor's acts */

/* A pledge made active by its checkout, ready for the manage page. */
static struct pt_pledge_record active_pledge(char id[33])
{
    monthly_pledge(id);
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    struct pt_ledger_result result;
    apply_ok(&completed, NOW + 60, &result);
    return pledge_now(id);
}

Test(ledger, changing_the_amount_asks_the_processor_then_records_it)
{
    char id[33], error[256];
    struct pt_pledge_record pledge = active_pledge(id);
    cr_assert_eq(
        pt_pledges_change_amount(&ledger, &pledge, 900, "manage", NOW + 100, error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(fake.amount_changes, 1);
    cr_assert_eq(fake.amount_asked, 900);
    char key[200];
    snprintf(key, sizeof(key), "patron-amount-%s-%lld-900", id, (long long)pledge.history_count);
    cr_assert_str_eq(fake.last_key, key);
    struct pt_pledge_record after = pledge_now(id);
    cr_assert_eq(after.amount_minor, 900);
    cr_assert_str_eq(after.status, "active");
    cr_assert_eq(count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s' AND "
                       "amount_minor = 900 AND note = 'manage'",
                       id),
                 1);

    /* Refused at the processor: the ledger keeps what it had. */
    fake.change_answer = PT_ERR_IO;
    cr_assert_eq(
        pt_pledges_change_amount(&ledger, &after, 1500, "manage", NOW + 200, error, sizeof(error)),
        PT_ERR_IO);
    cr_assert_eq(pledge_now(id).amount_minor, 900);
}

Test(ledger, pausing_and_resuming_go_through_the_processor_with_keys_of_their_own)
{
    char id[33], error[256];
    struct pt_pledge_record pledge = active_pledge(id);
    cr_assert_eq(
        pt_pledges_set_paused(&ledger, &pledge, true, "manage", NOW + 100, error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_eq(fake.pause_calls, 1);
    cr_assert(fake.paused_asked);
    char pause_key[200];
    snprintf(pause_key, sizeof(pause_key), "%s", fake.last_key);
    cr_assert(strncmp(pause_key, "patron-pause-", 13) == 0, "%s", pause_key);
    struct pt_pledge_record paused = pledge_now(id);
    cr_assert_str_eq(paused.status, "paused");

    cr_assert_eq(
        pt_pledges_set_paused(&ledger, &paused, false, "manage", NOW + 200, error, sizeof(error)),
        PT_OK);
    cr_assert_not(fake.paused_asked);
    cr_assert(strncmp(fake.last_key, "patron-resume-", 14) == 0, "%s", fake.last_key);
    cr_assert_str_eq(pledge_now(id).status, "active");
    cr_assert_eq(emails(id, "thanks"), 1, "pausing is not a new pledge");

    /* Refused at the processor: the ledger keeps what it had. */
    fake.change_answer = PT_ERR_IO;
    struct pt_pledge_record resumed = pledge_now(id);
    cr_assert_eq(
        pt_pledges_set_paused(&ledger, &resumed, true, "manage", NOW + 250, error, sizeof(error)),
        PT_ERR_IO);
    cr_assert_str_eq(pledge_now(id).status, "active");
    fake.change_answer = PT_OK;

    /* A pledge with no subscription at the processor cannot be paused. */
    struct pt_pledge_record one_off = pledge_now(id);
    one_off.subscription_id[0] = '\0';
    cr_assert_eq(
        pt_pledges_set_paused(&ledger, &one_off, true, "manage", NOW + 300, error, sizeof(error)),
        PT_ERR_INVALID);
    cr_assert_eq(fake.pause_calls, 3, "refused before asking the processor");
}

Test(ledger, a_cancel_retried_after_a_failed_write_uses_the_same_key)
{
    char id[33], error[256];
    struct pt_pledge_record pledge = active_pledge(id);
    wrapper.fail_writes = true;
    cr_assert_eq(pt_pledges_cancel(&ledger, &pledge, "test", NOW + 100, error, sizeof(error)),
                 PT_ERR_IO);
    cr_assert_eq(fake.cancels, 1);
    char first_key[200];
    snprintf(first_key, sizeof(first_key), "%s", fake.last_key);
    cr_assert_str_eq(pledge_now(id).status, "active");

    wrapper.fail_writes = false;
    pledge = pledge_now(id);
    cr_assert_eq(pt_pledges_cancel(&ledger, &pledge, "test", NOW + 200, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_str_eq(fake.last_key, first_key, "the processor sees one cancel, twice");
    cr_assert_str_eq(pledge_now(id).status, "cancelled");
    cr_assert_eq(emails(id, "cancelled"), 1);
}

/* ------------------------------------------------------------ lost links */

Test(ledger, a_lost_link_request_queues_a_hash_and_the_sender_answers_it)
{
    char id[33];
    active_pledge(id); /* its address: donor@example.org */
    cr_assert_eq(pt_pledges_request_lost_link(&ledger, "not an address", NOW), PT_ERR_INVALID);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM lost_link_requests"), 0);

    cr_assert_eq(pt_pledges_request_lost_link(&ledger, " DONOR@example.org ", NOW), PT_OK);
    cr_assert_eq(pt_pledges_request_lost_link(&ledger, "stranger@example.org", NOW), PT_OK);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM lost_link_requests"), 2);
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    pt_crypto_lookup_hash(&crypto, "donor@example.org", hash);
    char literal[100], sql[200];
    pt_scratch_bytes_literal(&scratch, hash, sizeof(hash), literal, sizeof(literal));
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM lost_link_requests WHERE email_hash = %s",
             literal);
    cr_assert_eq(pt_scratch_query_int(&scratch, sql), 1, "only the keyed hash is stored");

    /* No email is configured: the requests are still answered. */
    int sent = -1;
    cr_assert_eq(pt_pledges_send_outbox(&ledger, NOW + 10, &sent), PT_OK);
    cr_assert_eq(sent, 0);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM lost_link_requests"), 0);
    cr_assert_eq(emails(id, "magic"), 1, "one link, for the known address only");
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM outbox WHERE kind = 'magic'"),
                 1);

    wrapper.fail_writes = true;
    cr_assert_eq(pt_pledges_request_lost_link(&ledger, "donor@example.org", NOW), PT_ERR_IO);
}

/* /supporter: the request does the same work for a supporter's address as
 * for any other (one queued hash, nothing read); the sender answers it with
 * a device link for a supporter only, within the hour's budget. */
Test(ledger, a_supporter_link_request_queues_a_hash_and_only_a_supporter_gets_the_link)
{
    char id[33];
    active_pledge(id); /* its address: donor@example.org */
    cr_assert_eq(pt_pledges_request_supporter_link(&ledger, "nobody", NOW), PT_ERR_INVALID);
    static const char *const tables[] = {"pledges", "outbox", "pledge_history", "payments",
                                         "magic_links"};
    int64_t before[5];
    for (size_t t = 0; t < 5; t++) {
        char sql[80];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[t]);
        before[t] = pt_scratch_query_int(&scratch, sql);
    }
    cr_assert_eq(pt_pledges_request_supporter_link(&ledger, "Donor@Example.org", NOW), PT_OK);
    cr_assert_eq(pt_pledges_request_supporter_link(&ledger, "stranger@example.org", NOW), PT_OK);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM lost_link_requests WHERE "
                                                "kind = 'supporter'"),
                 2, "a known and an unknown address: one queued hash each");
    for (size_t t = 0; t < 5; t++) {
        char sql[80];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[t]);
        cr_assert_eq(pt_scratch_query_int(&scratch, sql), before[t],
                     "%s: the request wrote nothing else", tables[t]);
    }
    int sent = -1;
    cr_assert_eq(pt_pledges_send_outbox(&ledger, NOW + 10, &sent), PT_OK);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM lost_link_requests"), 0);
    cr_assert_eq(emails(id, "supporter"), 1, "the supporter's link, for the known address only");
    cr_assert_eq(emails(id, "magic"), 0, "not a manage link");

    /* Three link emails an hour at most, supporter and magic together. */
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pt_pledges_request_supporter_link(&ledger, "donor@example.org", NOW + 20),
                     PT_OK);
    cr_assert_eq(pt_pledges_send_outbox(&ledger, NOW + 30, &sent), PT_OK);
    cr_assert_eq(emails(id, "supporter"), PT_MAGIC_EMAILS_PER_HOUR);

    /* A cancelled pledge supports no more: no link. */
    cr_assert(pt_scratch_exec(&scratch, "UPDATE pledges SET status = 'cancelled'"));
    cr_assert_eq(pt_pledges_request_supporter_link(&ledger, "donor@example.org", NOW + 7200),
                 PT_OK);
    cr_assert_eq(pt_pledges_send_outbox(&ledger, NOW + 7210, &sent), PT_OK);
    cr_assert_eq(emails(id, "supporter"), PT_MAGIC_EMAILS_PER_HOUR);
}

/* ------------------------------------- what a second processor brings */

/* A monthly pledge whose processor's page asks no address (Mollie's): the
 * donor typed it on the support page, and the checkout is the first
 * payment itself (tr_1, EUR). */
static void first_payment_pledge(char id[33])
{
    struct pt_pledge_request request = {
        PT_FREQUENCY_MONTHLY, 500,     "EUR", "spring", "a", "en", NULL,
        "Donor@Example.org",  "ideal", NULL,  false,    NULL};
    char url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    fake.session = (struct pt_pay_session){.id = "cs_1",
                                           .status = "open",
                                           .payment_status = "unpaid",
                                           .customer = "cst_1",
                                           .payment = "tr_1",
                                           .amount_total = 500,
                                           .currency = "EUR"};
    snprintf(fake.session.pledge_id, sizeof(fake.session.pledge_id), "%s", id);
    fake.subscription = (struct pt_pay_subscription){
        .id = "sub_1", .customer = "cst_1", .status = "active", .amount_minor = 500,
        .currency = "EUR"};
    snprintf(fake.subscription.pledge_id, sizeof(fake.subscription.pledge_id), "%s", id);
}

/* A processor's payment that the ledger reads as a checkout. */
static struct pt_pay_event checkout_event(const char *id, const char *type, const char *object_id)
{
    struct pt_pay_event e = event(id, type, object_id, "");
    e.kind = PT_PAY_EVENT_CHECKOUT_DONE;
    return e;
}

static int64_t history(const char *pledge_id, const char *note)
{
    char sql[300];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pledge_history WHERE pledge_id = '%s' AND note = '%s'",
             pledge_id, note);
    return pt_scratch_query_int(&scratch, sql);
}

Test(ledger, an_address_typed_on_the_support_page_is_sealed_with_the_pledge)
{
    char id[33];
    first_payment_pledge(id);
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_gt(record.email_sealed_length, 0);
    char *address = NULL;
    cr_assert_eq(pt_crypto_open(&crypto, record.email_sealed, record.email_sealed_length,
                                &address),
                 PT_OK);
    cr_assert_str_eq(address, "donor@example.org");
    free(address);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM pledges WHERE "
                                                "CAST(email_sealed AS TEXT) LIKE '%donor%'"),
                 0, "sealed, never stored in the clear");
}

Test(ledger, a_bad_typed_address_stores_nothing_and_asks_no_processor)
{
    struct pt_pledge_request request = {PT_FREQUENCY_MONTHLY, 500,  "EUR", NULL,  NULL, "en", NULL,
                                        "not an address",     NULL, NULL,  false, NULL};
    char id[33], url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_ERR_INVALID);
    cr_assert_str_eq(id, "");
    cr_assert_eq(fake.checkouts, 0);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM pledges"), 0);
}

Test(ledger, a_currency_no_processor_charges_and_an_amount_below_its_minimum_are_refused)
{
    struct pt_pledge_request request = {
        PT_FREQUENCY_ONE_OFF, 500, "XXX", NULL, NULL, "en", NULL, NULL, NULL, NULL, false, NULL};
    char id[33], url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_ERR_INVALID);
    cr_assert_not_null(strstr(error, "no payment processor charges XXX"), "%s", error);
    request.currency = "USD";
    request.amount_minor = 49;
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_ERR_INVALID);
    cr_assert_not_null(strstr(error, "Fake's smallest charge"), "%s", error);
    cr_assert_eq(fake.checkouts, 0);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM pledges"), 0);
}

Test(ledger, a_paid_first_payment_activates_and_records_that_payment_once)
{
    char id[33];
    first_payment_pledge(id);
    snprintf(fake.session.status, sizeof(fake.session.status), "complete");
    snprintf(fake.session.payment_status, sizeof(fake.session.payment_status), "paid");
    snprintf(fake.session.subscription, sizeof(fake.session.subscription), "sub_1");
    struct pt_ledger_result result;
    struct pt_pay_event paid = checkout_event("mollie-tr_1-paid", "payment.paid", "cs_1");
    apply_ok(&paid, NOW + 30, &result);
    cr_assert(result.status_changed);
    cr_assert(result.payment_recorded);
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_str_eq(record.status, "active");
    cr_assert_str_eq(record.subscription_id, "sub_1");
    cr_assert_str_eq(record.customer_id, "cst_1");
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE id = 'tr_1' AND pledge_id = '%s'", id),
                 1);
    /* The thank-you page reading it again records nothing more. */
    char error[256];
    cr_assert_eq(pt_pledges_apply_session(&ledger, &fake.super, "cs_1", NULL, NULL, NOW + 40,
                                          &result, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_not(result.payment_recorded);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE pledge_id = '%s'", id), 1);
    cr_assert_eq(emails(id, "thanks"), 1);
    cr_assert_eq(emails(id, "receipt"), 1);
}

Test(ledger, a_failed_first_payment_is_recorded_once_with_one_email_and_a_history_line)
{
    char id[33];
    first_payment_pledge(id);
    snprintf(fake.session.status, sizeof(fake.session.status), "expired");
    snprintf(fake.session.payment_status, sizeof(fake.session.payment_status), "failed");
    struct pt_ledger_result result;
    struct pt_pay_event failed = checkout_event("mollie-tr_1-failed", "payment.failed", "cs_1");
    apply_ok(&failed, NOW + 30, &result);
    cr_assert(result.failure_recorded);
    cr_assert_not(result.status_changed);
    /* The same failure told again (another delivery, or the thank-you page). */
    apply_ok(&failed, NOW + 40, &result);
    cr_assert(result.duplicate);
    char error[256];
    cr_assert_eq(pt_pledges_apply_session(&ledger, &fake.super, "cs_1", NULL, NULL, NOW + 50,
                                          &result, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_not(result.failure_recorded);
    cr_assert_str_eq(pledge_now(id).status, "pending");
    cr_assert_eq(emails(id, "failed"), 1);
    cr_assert_eq(emails(id, "thanks"), 0, "a pledge that never paid is not thanked");
    cr_assert_eq(history(id, "the first payment failed"), 1);
}

Test(ledger, an_expired_checkout_is_one_history_line_and_no_email)
{
    char id[33];
    first_payment_pledge(id);
    snprintf(fake.session.status, sizeof(fake.session.status), "expired");
    struct pt_ledger_result result;
    char error[256];
    /* The thank-you page alone writes nothing: a reload is not news. */
    cr_assert_eq(pt_pledges_apply_session(&ledger, &fake.super, "cs_1", NULL, NULL, NOW + 20,
                                          &result, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(history(id, "the checkout ended unpaid"), 0);
    struct pt_pay_event expired = checkout_event("mollie-tr_1-expired", "payment.expired", "cs_1");
    apply_ok(&expired, NOW + 30, &result);
    apply_ok(&expired, NOW + 40, &result);
    cr_assert(result.duplicate);
    cr_assert_eq(history(id, "the checkout ended unpaid"), 1);
    cr_assert_eq(count("SELECT count(*) FROM outbox WHERE pledge_id = '%s'", id), 0);
    cr_assert_str_eq(pledge_now(id).status, "pending");
}

Test(ledger, a_chargeback_is_recorded_once_against_its_payment_with_a_history_line)
{
    char id[33];
    first_payment_pledge(id);
    struct pt_ledger_result result;
    struct pt_pay_event paid = event("mollie-tr_2-paid", "payment.paid", "tr_2", "sub_1");
    paid.kind = PT_PAY_EVENT_PAYMENT_SUCCEEDED;
    paid.amount_minor = 500;
    snprintf(paid.currency, sizeof(paid.currency), "EUR");
    cr_assert_eq(pt_store_pledge_set_checkout(scratch.store, id, "fake", "cs_1"), PT_OK);
    struct pt_ledger_change link = {.pledge_id = id, .subscription_id = "sub_1", .now = NOW};
    cr_assert_eq(pt_store_ledger_apply(scratch.store, &link, &result), PT_OK);
    apply_ok(&paid, NOW + 30, &result);
    cr_assert(result.payment_recorded);

    struct pt_pay_event back = event("mollie-tr_2-chargeback-500", "payment.charged_back", "tr_2",
                                     "sub_1");
    back.kind = PT_PAY_EVENT_PAYMENT_REVERSED;
    back.amount_minor = 500;
    snprintf(back.currency, sizeof(back.currency), "EUR");
    apply_ok(&back, NOW + 60, &result);
    cr_assert(result.reversal_recorded);
    /* Told again under another event id (a second webhook call with the same
     * state reads the same; a new id for the same reversal changes nothing). */
    snprintf(back.id, sizeof(back.id), "mollie-tr_2-chargeback-500-again");
    apply_ok(&back, NOW + 90, &result);
    cr_assert_not(result.reversal_recorded);
    cr_assert_eq(count("SELECT count(*) FROM payment_reversals WHERE payment_id = 'tr_2' AND "
                       "pledge_id = '%s' AND amount_minor = 500",
                       id),
                 1);
    cr_assert_eq(history(id, "a payment was charged back"), 1);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE id = 'tr_2' AND pledge_id = '%s'", id),
                 1, "the payment's own row stays: the books are append-only");
}

Test(ledger, a_chargeback_for_no_pledge_of_ours_is_ignored)
{
    struct pt_ledger_result result;
    bool ignored = false;
    struct pt_pay_event back = event("mollie-tr_9-chargeback-100", "payment.charged_back", "tr_9",
                                     "sub_unknown");
    back.kind = PT_PAY_EVENT_PAYMENT_REVERSED;
    back.amount_minor = 100;
    cr_assert_eq(apply(&back, NOW, &result, &ignored), PT_OK);
    cr_assert(ignored);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM payment_reversals"), 0);
}

Test(ledger, resuming_with_a_new_subscription_records_it_in_place_of_the_old)
{
    char id[33];
    monthly_pledge(id);
    struct pt_ledger_result result;
    struct pt_pay_event completed = event("evt_1", "checkout.session.completed", "cs_1", "");
    apply_ok(&completed, NOW + 10, &result);
    char error[256];
    struct pt_pledge_record record = pledge_now(id);
    cr_assert_eq(pt_pledges_set_paused(&ledger, &record, true, "paused by the donor", NOW + 20,
                                       error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_str_eq(pledge_now(id).subscription_id, "sub_1");
    snprintf(fake.resumed_as, sizeof(fake.resumed_as), "sub_2");
    record = pledge_now(id);
    cr_assert_eq(pt_pledges_set_paused(&ledger, &record, false, "resumed by the donor", NOW + 30,
                                       error, sizeof(error)),
                 PT_OK, "%s", error);
    record = pledge_now(id);
    cr_assert_str_eq(record.status, "active");
    cr_assert_str_eq(record.subscription_id, "sub_2");
}

Test(ledger, a_new_payment_method_is_applied_to_the_running_pledge_not_refused_as_foreign)
{
    char id[33];
    first_payment_pledge(id);
    snprintf(fake.session.status, sizeof(fake.session.status), "complete");
    snprintf(fake.session.payment_status, sizeof(fake.session.payment_status), "paid");
    snprintf(fake.session.subscription, sizeof(fake.session.subscription), "sub_1");
    struct pt_ledger_result result;
    struct pt_pay_event paid = checkout_event("mollie-tr_1-paid", "payment.paid", "cs_1");
    apply_ok(&paid, NOW + 30, &result);

    /* The new method's payment is another checkout, marked as such. */
    fake.session = (struct pt_pay_session){.id = "tr_m",
                                           .status = "complete",
                                           .payment_status = "paid",
                                           .customer = "cst_1",
                                           .subscription = "sub_1",
                                           .payment = "tr_m",
                                           .amount_total = 2,
                                           .currency = "EUR",
                                           .replaces_method = true};
    snprintf(fake.session.pledge_id, sizeof(fake.session.pledge_id), "%s", id);
    struct pt_pay_event method = checkout_event("mollie-tr_m-paid", "payment.paid", "tr_m");
    apply_ok(&method, NOW + 60, &result);
    cr_assert(result.payment_recorded);
    cr_assert_eq(history(id, "payment method updated"), 0,
                 "no change of state or amount: the payment is the record");
    cr_assert_str_eq(pledge_now(id).status, "active");

    /* The same marked payment for a pledge of another processor is foreign. */
    cr_assert_eq(pt_store_pledge_set_checkout(scratch.store, id, "other", "cs_1"), PT_OK);
    bool ignored = false;
    struct pt_pay_event again = checkout_event("mollie-tr_m-paid-2", "payment.paid", "tr_m");
    cr_assert_eq(apply(&again, NOW + 90, &result, &ignored), PT_OK);
    cr_assert(ignored);
}

Test(ledger, a_payment_heard_of_first_when_it_was_already_charged_back_records_both_once)
{
    char id[33];
    first_payment_pledge(id);
    struct pt_ledger_result result;
    struct pt_ledger_change link = {.pledge_id = id, .subscription_id = "sub_1", .now = NOW};
    cr_assert_eq(pt_store_ledger_apply(scratch.store, &link, &result), PT_OK);
    struct pt_pay_event both = event("mollie-tr_3-chargeback-500", "payment.charged_back", "tr_3",
                                     "sub_1");
    both.kind = PT_PAY_EVENT_PAYMENT_SUCCEEDED;
    both.amount_minor = 500;
    both.reversed_minor = 500;
    snprintf(both.currency, sizeof(both.currency), "EUR");
    apply_ok(&both, NOW + 30, &result);
    cr_assert(result.payment_recorded);
    cr_assert(result.reversal_recorded);
    apply_ok(&both, NOW + 40, &result);
    cr_assert(result.duplicate);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE id = 'tr_3' AND pledge_id = '%s'", id),
                 1);
    cr_assert_eq(count("SELECT count(*) FROM payment_reversals WHERE payment_id = 'tr_3' AND "
                       "pledge_id = '%s'",
                       id),
                 1);
    cr_assert_eq(history(id, "a payment was charged back"), 1);
}

/* ------------------------------------------------- refunds and disputes */

/* An active monthly pledge whose first invoice in_1 ($5.00) is paid, and
 * that invoice's charge ch_1 as the processor will re-read it. */
static void paid_pledge(char id[33])
{
    monthly_pledge(id);
    struct pt_ledger_result result;
    struct pt_pay_event done = event("evt_done", "checkout.session.completed", "cs_1", "");
    apply_ok(&done, NOW, &result);
    struct pt_pay_event paid = event("evt_paid", "invoice.paid", "in_1", "sub_1");
    paid.amount_minor = 500;
    snprintf(paid.currency, sizeof(paid.currency), "USD");
    apply_ok(&paid, NOW + 1, &result);
    cr_assert(result.payment_recorded);
    fake.charge = (struct pt_pay_charge){.id = "ch_1",
                                         .payment_ids = {"in_1", "pi_1", "ch_1"},
                                         .subscription = "sub_1",
                                         .amount_minor = 500,
                                         .currency = "USD"};
    snprintf(fake.charge.pledge_id, sizeof(fake.charge.pledge_id), "%s", id);
}

static struct pt_pay_event charge_event(const char *id, const char *type)
{
    struct pt_pay_event e = event(id, type, "ch_1", "");
    e.kind = PT_PAY_EVENT_CHARGE;
    snprintf(e.charge, sizeof(e.charge), "ch_1");
    return e;
}

static void add_refund(const char *id, int64_t amount, const char *status)
{
    struct pt_pay_refund *refund = &fake.charge.refunds[fake.charge.refund_count++];
    *refund = (struct pt_pay_refund){.amount_minor = amount,
                                     .counts = strcmp(status, "succeeded") == 0};
    snprintf(refund->id, sizeof(refund->id), "%s", id);
    snprintf(refund->status, sizeof(refund->status), "%s", status);
}

static void set_dispute(const char *status, bool open, bool withdrawn, bool returned)
{
    fake.charge.disputed = true;
    fake.charge.dispute = (struct pt_pay_dispute){
        .id = "du_1", .amount_minor = 500, .reason = "fraudulent", .open = open,
        .withdrawn = withdrawn, .returned = returned};
    snprintf(fake.charge.dispute.status, sizeof(fake.charge.dispute.status), "%s", status);
}

/* What came back of the pledge's payments, net (as the reports subtract it). */
static int64_t returned(const char *id)
{
    return count("SELECT COALESCE(SUM(amount_minor), 0) FROM payment_reversals "
                 "WHERE pledge_id = '%s'",
                 id);
}

Test(ledger, partial_refunds_add_up_once_each_and_never_exceed_the_charge)
{
    char id[33];
    paid_pledge(id);
    struct pt_ledger_result result;
    add_refund("re_1", 200, "succeeded");
    add_refund("re_p", 100, "pending");
    struct pt_pay_event first = charge_event("evt_r1", "charge.refunded");
    apply_ok(&first, NOW + 10, &result);
    cr_assert_eq(result.reversals_recorded, 1, "the pending refund is not in the books yet");
    cr_assert_eq(returned(id), 200);
    /* The same event again, then another event that re-reads the same state. */
    apply_ok(&first, NOW + 11, &result);
    cr_assert(result.duplicate);
    struct pt_pay_event again = charge_event("evt_r1b", "charge.refund.updated");
    apply_ok(&again, NOW + 12, &result);
    cr_assert_eq(result.reversals_recorded, 0);
    cr_assert_eq(returned(id), 200);
    /* A second partial refund adds up; the pending one succeeds. */
    fake.charge.refunds[1].counts = true;
    add_refund("re_2", 200, "succeeded");
    struct pt_pay_event second = charge_event("evt_r2", "charge.refunded");
    apply_ok(&second, NOW + 20, &result);
    cr_assert_eq(result.reversals_recorded, 2);
    cr_assert_eq(returned(id), 500);
    /* More than the charge (a processor's mistake) is never recorded. */
    add_refund("re_3", 1, "succeeded");
    struct pt_pay_event third = charge_event("evt_r3", "charge.refunded");
    apply_ok(&third, NOW + 30, &result);
    cr_assert_eq(result.reversals_recorded, 0);
    cr_assert_eq(returned(id), 500);
    cr_assert_eq(history(id, "refunded 2.00 USD"), 2);
    cr_assert_eq(history(id, "refunded 1.00 USD"), 1);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE pledge_id = '%s'", id), 1,
                 "the payment's own row stays");
    struct pt_store_payment payment;
    cr_assert_eq(pt_store_payment_get(scratch.store, "in_1", &payment), PT_OK);
    cr_assert_eq(payment.reversed_minor, 500);
}

Test(ledger, a_lost_dispute_takes_the_money_once_whatever_the_order_and_never_reopens)
{
    char id[33];
    paid_pledge(id);
    struct pt_ledger_result result;
    /* dispute.closed arrives first: the re-read says lost. */
    set_dispute("lost", false, true, false);
    struct pt_pay_event closed = charge_event("evt_d2", "charge.dispute.closed");
    apply_ok(&closed, NOW + 10, &result);
    cr_assert(result.dispute_changed);
    cr_assert_eq(result.reversals_recorded, 1);
    struct pt_pay_event created = charge_event("evt_d1", "charge.dispute.created");
    apply_ok(&created, NOW + 11, &result);
    cr_assert_not(result.dispute_changed);
    cr_assert_eq(result.reversals_recorded, 0);
    /* A stale reading (an older state read late) does not reopen it. */
    set_dispute("needs_response", true, true, false);
    struct pt_pay_event stale = charge_event("evt_d3", "charge.dispute.updated");
    apply_ok(&stale, NOW + 12, &result);
    cr_assert_not(result.dispute_changed);
    cr_assert_eq(count("SELECT count(*) FROM payment_disputes WHERE pledge_id = '%s' AND "
                       "status = 'lost' AND NOT open",
                       id),
                 1);
    cr_assert_eq(returned(id), 500);
    cr_assert_eq(history(id, "dispute lost: fraudulent"), 1);
    cr_assert_eq(history(id, "disputed: taken back 5.00 USD"), 1);
}

Test(ledger, a_won_dispute_returns_the_money_it_took)
{
    char id[33];
    paid_pledge(id);
    struct pt_ledger_result result;
    set_dispute("needs_response", true, true, false);
    struct pt_pay_event created = charge_event("evt_d1", "charge.dispute.created");
    apply_ok(&created, NOW + 10, &result);
    cr_assert_eq(returned(id), 500);
    cr_assert_eq(count("SELECT count(*) FROM payment_disputes WHERE pledge_id = '%s' AND "
                       "open",
                       id),
                 1);
    set_dispute("won", false, true, true);
    struct pt_pay_event closed = charge_event("evt_d2", "charge.dispute.closed");
    apply_ok(&closed, NOW + 20, &result);
    cr_assert_eq(result.reversals_recorded, 1);
    apply_ok(&closed, NOW + 21, &result);
    cr_assert(result.duplicate);
    cr_assert_eq(returned(id), 0, "taken and given back: nothing is lost in the books");
    cr_assert_eq(count("SELECT count(*) FROM payment_disputes WHERE pledge_id = '%s' AND "
                       "NOT open AND status = 'won'",
                       id),
                 1);
    /* An inquiry takes no money. */
    fake.charge.dispute.amount_minor = 0;
}

Test(ledger, a_refund_heard_of_before_its_payment_records_both_once)
{
    char id[33];
    monthly_pledge(id);
    struct pt_ledger_result result;
    struct pt_pay_event done = event("evt_done", "checkout.session.completed", "cs_1", "");
    apply_ok(&done, NOW, &result);
    fake.charge = (struct pt_pay_charge){.id = "ch_1",
                                         .payment_ids = {"in_1", "pi_1", "ch_1"},
                                         .subscription = "sub_1",
                                         .amount_minor = 500,
                                         .currency = "USD"};
    add_refund("re_1", 500, "succeeded");
    struct pt_pay_event refunded = charge_event("evt_r1", "charge.refunded");
    apply_ok(&refunded, NOW + 5, &result);
    cr_assert(result.payment_recorded);
    cr_assert_eq(result.reversals_recorded, 1);
    struct pt_pay_event paid = event("evt_paid", "invoice.paid", "in_1", "sub_1");
    paid.amount_minor = 500;
    apply_ok(&paid, NOW + 6, &result);
    cr_assert_not(result.payment_recorded);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE pledge_id = '%s'", id), 1);
    cr_assert_eq(returned(id), 500);
}

Test(ledger, a_charge_of_no_pledge_of_ours_is_ignored)
{
    char id[33];
    paid_pledge(id);
    fake.charge = (struct pt_pay_charge){.id = "ch_1",
                                         .payment_ids = {"in_other", "", "ch_1"},
                                         .amount_minor = 900,
                                         .currency = "USD"};
    add_refund("re_9", 900, "succeeded");
    struct pt_ledger_result result;
    bool ignored = false;
    struct pt_pay_event refunded = charge_event("evt_r9", "charge.refunded");
    cr_assert_eq(apply(&refunded, NOW + 5, &result, &ignored), PT_OK);
    cr_assert(ignored);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM payment_reversals"), 0);
}

Test(ledger, a_refund_from_the_dashboard_is_recorded_once_with_its_webhook)
{
    char id[33];
    paid_pledge(id);
    fake.refund = (struct pt_pay_refund){.id = "re_d", .status = "succeeded", .counts = true};
    struct pt_pay_refund refund;
    char error[256];
    cr_assert_eq(pt_refunds_start(&ledger, "in_1", 600, NOW + 5, &refund, error, sizeof(error)),
                 PT_ERR_INVALID, "more than the payment");
    cr_assert_eq(fake.refunds_asked, 0);
    cr_assert_eq(pt_refunds_start(&ledger, "in_9", 100, NOW + 5, &refund, error, sizeof(error)),
                 PT_ERR_INVALID, "no such payment");
    cr_assert_eq(pt_refunds_start(&ledger, "in_1", 300, NOW + 5, &refund, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(fake.refunds_asked, 1);
    cr_assert_str_eq(fake.last_key, "patron-refund-in_1-0-300");
    cr_assert_eq(returned(id), 300);
    /* Its webhook re-reads the same refund: nothing more. */
    add_refund("re_d", 300, "succeeded");
    struct pt_ledger_result result;
    struct pt_pay_event refunded = charge_event("evt_rd", "charge.refunded");
    apply_ok(&refunded, NOW + 6, &result);
    cr_assert_eq(result.reversals_recorded, 0);
    cr_assert_eq(returned(id), 300);
    /* What is left is 200: a second refund of 300 is refused before the
     * processor is asked. */
    cr_assert_eq(pt_refunds_start(&ledger, "in_1", 300, NOW + 7, &refund, error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_eq(fake.refunds_asked, 1);
    cr_assert_eq(history(id, "refunded by the newsroom 3.00 USD"), 1);
}

Test(ledger, a_delayed_payment_that_failed_is_one_failure_with_one_email)
{
    char id[33];
    struct pt_pledge_request request = {
        PT_FREQUENCY_ONE_OFF, 500, "USD", "", "", "en", NULL, NULL, NULL, NULL, false, NULL};
    char url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error,
                                   sizeof(error)),
                 PT_OK, "%s", error);
    fake.session = (struct pt_pay_session){.id = "cs_1",
                                           .status = "complete",
                                           .payment_status = "unpaid",
                                           .payment = "pi_1",
                                           .amount_total = 500,
                                           .currency = "USD"};
    snprintf(fake.session.pledge_id, sizeof(fake.session.pledge_id), "%s", id);
    struct pt_pay_event failed = event("evt_f", "checkout.session.async_payment_failed", "cs_1", "");
    failed.kind = PT_PAY_EVENT_CHECKOUT_FAILED;
    struct pt_ledger_result result;
    apply_ok(&failed, NOW + 5, &result);
    cr_assert(result.failure_recorded);
    snprintf(failed.id, sizeof(failed.id), "evt_f_again");
    apply_ok(&failed, NOW + 6, &result);
    cr_assert_not(result.failure_recorded);
    cr_assert_eq(emails(id, "failed"), 1);
    cr_assert_eq(history(id, "the delayed payment failed"), 1);
    cr_assert_eq(count("SELECT count(*) FROM payments WHERE pledge_id = '%s'", id), 0);
}

/* ------------------------------------------------------------ manage codes */

Test(ledger, a_manage_code_opens_its_pledge_only_and_is_refused_once_replaced)
{
    char id[33], other[33], shown[PT_MANAGE_CODE_SHOWN], found[33];
    active_pledge(id);
    struct pt_pledge_request request = {
        PT_FREQUENCY_ONE_OFF, 500, "USD", "", "", "en", NULL, NULL, NULL, NULL, false, NULL};
    char url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(pt_pledges_create(&ledger, &request, NOW, other, url, sizeof(url), error,
                                   sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(pt_store_manage_code_exists(scratch.store, id), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_pledges_code_issue(&ledger, id, false, NOW, shown), PT_OK);
    cr_assert_eq(strlen(shown), PT_MANAGE_CODE_SHOWN - 1, "%s", shown);
    char first[PT_MANAGE_CODE_SHOWN];
    snprintf(first, sizeof(first), "%s", shown);
    /* A code is shown once: the pledge's first stays, no second is made. */
    char again[PT_MANAGE_CODE_SHOWN];
    cr_assert_eq(pt_pledges_code_issue(&ledger, id, false, NOW, again), PT_ERR_CONFLICT);
    char other_code[PT_MANAGE_CODE_SHOWN];
    cr_assert_eq(pt_pledges_code_issue(&ledger, other, false, NOW, other_code), PT_OK);

    cr_assert_eq(pt_pledges_code_open(&ledger, first, found), PT_OK);
    cr_assert_str_eq(found, id);
    cr_assert_eq(pt_pledges_code_open(&ledger, other_code, found), PT_OK);
    cr_assert_str_eq(found, other, "each code opens exactly its own pledge");
    /* Typed loosely: lower case, spaces for hyphens, O for 0, l for 1. */
    char loose[64];
    size_t at = 0;
    for (const char *p = first; *p; p++) {
        char c = *p == '-' ? ' ' : *p;
        if (c == '0')
            c = 'O';
        else if (c == '1')
            c = 'l';
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        loose[at++] = c;
    }
    loose[at] = '\0';
    cr_assert_eq(pt_pledges_code_open(&ledger, loose, found), PT_OK, "%s", loose);
    cr_assert_str_eq(found, id);

    /* Wrong (one character changed), malformed and empty are one refusal. */
    char wrong[PT_MANAGE_CODE_SHOWN];
    snprintf(wrong, sizeof(wrong), "%s", first);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    cr_assert_eq(pt_pledges_code_open(&ledger, wrong, found), PT_ERR_NOT_FOUND);
    cr_assert_str_eq(found, "");
    cr_assert_eq(pt_pledges_code_open(&ledger, "UUUU-UUUU", found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_pledges_code_open(&ledger, "", found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_pledges_code_open(&ledger, NULL, found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_pledges_code_open(&ledger, "000000000000000000000000", found),
                 PT_ERR_NOT_FOUND);

    /* Only the keyed hash is stored: of the normalised code, with the key. */
    char code[PT_MANAGE_CODE_CHARS + 1];
    cr_assert(pt_pledges_code_read(first, code));
    unsigned char hash[PT_CRYPTO_HASH_BYTES];
    pt_crypto_keyed_hash(&crypto, "manage-code", code, hash);
    char literal[100], sql[300];
    pt_scratch_bytes_literal(&scratch, hash, sizeof(hash), literal, sizeof(literal));
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM manage_codes WHERE code_hash = %s", literal);
    cr_assert_eq(pt_scratch_query_int(&scratch, sql), 1);

    /* A new code replaces the old, which is refused from then on. */
    char rotated[PT_MANAGE_CODE_SHOWN];
    cr_assert_eq(pt_pledges_code_issue(&ledger, id, true, NOW + 10, rotated), PT_OK);
    cr_assert_str_neq(rotated, first);
    cr_assert_eq(pt_pledges_code_open(&ledger, first, found), PT_ERR_NOT_FOUND);
    cr_assert_eq(pt_pledges_code_open(&ledger, rotated, found), PT_OK);
    cr_assert_str_eq(found, id);
    cr_assert_eq(pt_scratch_query_int(&scratch, sql), 0, "the old hash is gone");
    cr_assert_eq(pt_pledges_code_open(&ledger, other_code, found), PT_OK, "others unchanged");
    cr_assert_eq(pt_pledges_code_issue(&ledger, "00000000000000000000000000000000", true, NOW,
                                       rotated),
                 PT_ERR_NOT_FOUND, "no pledge, no code");
}

Test(ledger, a_code_is_read_leniently_but_only_as_24_base32_characters)
{
    char code[PT_MANAGE_CODE_CHARS + 1];
    cr_assert(pt_pledges_code_read("abcd-efgh-jkmn-pqrs-tvwx-yz01", code));
    cr_assert_str_eq(code, "ABCDEFGHJKMNPQRSTVWXYZ01");
    cr_assert(pt_pledges_code_read(" oOiI lLoO 0000 1111 2222 3333 ", code));
    cr_assert_str_eq(code, "001111000000111122223333");
    cr_assert_not(pt_pledges_code_read("ABCD-EFGH-JKMN-PQRS-TVWX-YZ0", code), "23 characters");
    cr_assert_not(pt_pledges_code_read("ABCD-EFGH-JKMN-PQRS-TVWX-YZ012", code), "25 characters");
    cr_assert_not(pt_pledges_code_read("UBCD-EFGH-JKMN-PQRS-TVWX-YZ01", code), "U is not one");
    cr_assert_not(pt_pledges_code_read("ABCD_EFGH-JKMN-PQRS-TVWX-YZ01", code));
    cr_assert_not(pt_pledges_code_read("ABCD\xc3\xa9FGH-JKMN-PQRS-TVWX-YZ01", code));
}

/* -------------------------------------------------------------- erasure */

static void mark_emails_sent(const char *pledge_id, int64_t at)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "UPDATE outbox SET sent_at = %lld WHERE pledge_id = '%s' AND sent_at IS NULL",
             (long long)at, pledge_id);
    exec_sql(sql);
}

static bool erased(const char *id)
{
    struct pt_pledge_record record = pledge_now(id);
    return record.email_sealed_length == 0 && record.customer_id[0] == '\0' &&
           count("SELECT count(*) FROM pledges WHERE id = '%s' AND email_hash IS NULL AND "
                 "erased_at IS NOT NULL",
                 id) == 1;
}

/* A one-off gift of $5 by donor@example.org, paid through the fake
 * checkout cs_2 (customer cus_2): thanks and receipt queued. */
static void paid_gift(char id[33])
{
    struct pt_pledge_request request = {
        PT_FREQUENCY_ONE_OFF, 500, "USD", "", "", "en", NULL, NULL, NULL, NULL, false, NULL};
    char url[PT_PAY_URL_MAX], error[256];
    cr_assert_eq(
        pt_pledges_create(&ledger, &request, NOW, id, url, sizeof(url), error, sizeof(error)),
        PT_OK, "%s", error);
    struct pt_pledge_record record = pledge_now(id);
    fake.session = (struct pt_pay_session){.status = "complete",
                                           .payment_status = "paid",
                                           .customer = "cus_2",
                                           .email = "donor@example.org",
                                           .amount_total = 500,
                                           .currency = "usd"};
    snprintf(fake.session.id, sizeof(fake.session.id), "%s", record.checkout_id);
    snprintf(fake.session.pledge_id, sizeof(fake.session.pledge_id), "%s", id);
    struct pt_pay_event completed =
        event("evt_gift", "checkout.session.completed", record.checkout_id, "");
    struct pt_ledger_result result;
    apply_ok(&completed, NOW + 30, &result);
    cr_assert_str_eq(pledge_now(id).status, "completed");
}

Test(ledger, a_one_off_address_is_erased_once_its_receipt_is_sent_and_only_its_own)
{
    char monthly[33], gift[33];
    active_pledge(monthly); /* the same donor gives monthly too */
    paid_gift(gift);
    cr_assert_eq(emails(gift, "receipt"), 1);
    static const unsigned char sealed[] = "sealed";
    struct pt_reminder reminder = {.month = "2027-01",
                                   .language = "en",
                                   .email_sealed = sealed,
                                   .email_sealed_length = sizeof(sealed)};
    pt_crypto_lookup_hash(&crypto, "donor@example.org", reminder.email_hash);
    char token[64];
    bool created = false;
    cr_assert_eq(pt_store_reminder_upsert(scratch.store, &reminder, token, sizeof(token), &created),
                 PT_OK);

    ledger.erase_one_off = true;
    pt_pledges_erase_due(&ledger, NOW + 60);
    cr_assert_not(erased(gift), "the receipt is not sent yet");

    mark_emails_sent(gift, NOW + 70);
    pt_pledges_erase_due(&ledger, NOW + 80);
    cr_assert(erased(gift));
    cr_assert_eq(fake.customers_deleted, 1);
    cr_assert_str_eq(fake.deleted_customer, "cus_2");
    cr_assert_eq(count("SELECT count(*) FROM pledge_history WHERE pledge_id = '%s' AND note = "
                       "'address erased: the gift''s receipt was sent'",
                       gift),
                 1);
    /* The monthly pledge keeps its address, and so its reminder stays. */
    cr_assert_gt(pledge_now(monthly).email_sealed_length, 0);
    cr_assert_str_eq(pledge_now(monthly).customer_id, "cus_1");
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM reminders"), 1);
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM payments"), 1,
                 "the books stay");

    /* A late delivery of the checkout cannot bring the address back. */
    struct pt_pledge_record record = pledge_now(gift);
    struct pt_pay_event late = event("evt_gift_late", "checkout.session.completed",
                                     record.checkout_id, "");
    struct pt_ledger_result result;
    bool ignored = false;
    cr_assert_eq(apply(&late, NOW + 90, &result, &ignored), PT_OK);
    cr_assert(erased(gift));

    /* Erased once: the next round finds nothing more to do. */
    pt_pledges_erase_due(&ledger, NOW + 100);
    cr_assert_eq(fake.customers_deleted, 1);
}

Test(ledger, with_erasure_off_a_gift_keeps_its_address)
{
    char gift[33];
    paid_gift(gift);
    mark_emails_sent(gift, NOW + 70);
    pt_pledges_erase_due(&ledger, NOW + 80); /* ledger's erase_one_off is false */
    cr_assert_not(erased(gift));
    cr_assert_eq(fake.customers_deleted, 0);
}

Test(ledger, a_cancelled_pledge_is_erased_after_its_email_and_the_days_it_is_kept)
{
    char id[33], error[256];
    struct pt_pledge_record pledge = active_pledge(id);
    mark_emails_sent(id, NOW + 61);
    static const unsigned char sealed[] = "sealed";
    struct pt_reminder reminder = {.month = "2027-01",
                                   .language = "en",
                                   .email_sealed = sealed,
                                   .email_sealed_length = sizeof(sealed)};
    pt_crypto_lookup_hash(&crypto, "donor@example.org", reminder.email_hash);
    char token[64];
    bool created = false;
    cr_assert_eq(pt_store_reminder_upsert(scratch.store, &reminder, token, sizeof(token), &created),
                 PT_OK);
    cr_assert_eq(pt_pledges_cancel(&ledger, &pledge, "test", NOW + 100, error, sizeof(error)),
                 PT_OK, "%s", error);
    ledger.erase_cancelled = true;
    ledger.keep_cancelled_days = 30;
    pt_pledges_erase_due(&ledger, NOW + 200);
    cr_assert_not(erased(id), "the cancellation email waits");
    mark_emails_sent(id, NOW + 300);
    pt_pledges_erase_due(&ledger, NOW + 100 + 29 * 86400);
    cr_assert_not(erased(id), "kept for 30 days");
    pt_pledges_erase_due(&ledger, NOW + 100 + 30 * 86400);
    cr_assert(erased(id));
    cr_assert_eq(pt_scratch_query_int(&scratch, "SELECT count(*) FROM reminders"), 0,
                 "no pledge holds the address any more: its reminders go too");
    cr_assert_str_eq(pledge_now(id).subscription_id, "sub_1", "kept to recognise late events");
}

Test(ledger, the_donors_erasure_cancels_running_pledges_then_forgets_the_address)
{
    char id[33], error[256];
    struct pt_pledge_record pledge = active_pledge(id);
    size_t pledges = 0;
    cr_assert_eq(pt_pledges_erase_donor(&ledger, &pledge, NOW + 100, &pledges, error,
                                        sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(pledges, 1);
    cr_assert_eq(fake.cancels, 1, "cancelled at the processor first");
    cr_assert_eq(fake.customers_deleted, 1);
    cr_assert_str_eq(pledge_now(id).status, "cancelled");
    cr_assert(erased(id));
    cr_assert_eq(emails(id, "cancelled"), 0, "nobody left to tell: the unsent email went too");

    /* A late subscription event and a replayed checkout bring nothing back. */
    struct pt_pay_event update = event("evt_late_sub", "customer.subscription.updated", "sub_1",
                                       "sub_1");
    struct pt_ledger_result result;
    bool ignored = false;
    cr_assert_eq(apply(&update, NOW + 200, &result, &ignored), PT_OK);
    struct pt_pay_event replay = event("evt_late_cs", "checkout.session.completed", "cs_1", "");
    cr_assert_eq(apply(&replay, NOW + 210, &result, &ignored), PT_OK);
    cr_assert(erased(id));

    /* Nothing left: a second request says so. */
    pledge = pledge_now(id);
    cr_assert_eq(pt_pledges_erase_donor(&ledger, &pledge, NOW + 300, &pledges, error,
                                        sizeof(error)),
                 PT_ERR_NOT_FOUND);
}
