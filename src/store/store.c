#include "patron/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/log.h"

/* Per thread: each request's worker reads the failure of its own call. */
static _Thread_local char last_error[512];

const char *pt_store_last_error(void)
{
    return last_error;
}

void pt_store_note_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof(last_error), format, args);
    va_end(args);
    pt_log(PT_LOG_ERROR, "%s", last_error);
}

void pt_store_close(struct pt_store *store)
{
    if (store != NULL)
        store->ops->close(store);
}

enum pt_status pt_store_migrate(struct pt_store *store, int *applied)
{
    return store->ops->migrate(store, applied);
}

enum pt_status pt_store_write_probe(struct pt_store *store, int64_t now)
{
    return store->ops->write_probe(store, now);
}

enum pt_status pt_store_catalog_version(struct pt_store *store, int64_t *version)
{
    return store->ops->catalog_version(store, version);
}

bool pt_store_catalog_shared(const struct pt_store *store)
{
    return store->ops->catalog_wait != NULL;
}

enum pt_status pt_store_catalog_wait(struct pt_store *store, int timeout_ms, bool *changed)
{
    *changed = false;
    if (store->ops->catalog_wait == NULL)
        return PT_ERR_INTERNAL;
    return store->ops->catalog_wait(store, timeout_ms, changed);
}

enum pt_status pt_store_campaigns_each(struct pt_store *store, pt_store_document_visitor visit,
                                       void *context)
{
    return store->ops->campaigns_each(store, visit, context);
}

enum pt_status pt_store_campaign_count(struct pt_store *store, int64_t *count)
{
    return store->ops->campaign_count(store, count);
}

enum pt_status pt_store_campaign_put(struct pt_store *store, const char *id,
                                     const char *document, int64_t now)
{
    return store->ops->campaign_put(store, id, document, now);
}

enum pt_status pt_store_campaign_get(struct pt_store *store, const char *id, char **document)
{
    return store->ops->campaign_get(store, id, document);
}

enum pt_status pt_store_campaign_delete(struct pt_store *store, const char *id)
{
    return store->ops->campaign_delete(store, id);
}

enum pt_status pt_store_campaigns_replace(struct pt_store *store, const char *const *ids,
                                          const char *const *documents, size_t count,
                                          int64_t now)
{
    return store->ops->campaigns_replace(store, ids, documents, count, now);
}

enum pt_status pt_store_counts_add(struct pt_store *store, const struct pt_event_count *counts,
                                   size_t count)
{
    return store->ops->counts_add(store, counts, count);
}

enum pt_status pt_store_counts_each(struct pt_store *store, pt_store_count_visitor visit,
                                    void *context)
{
    return store->ops->counts_each(store, visit, context);
}

enum pt_status pt_store_pledge_add(struct pt_store *store, const struct pt_pledge *pledge)
{
    return store->ops->pledge_add(store, pledge);
}

enum pt_status pt_store_reminder_upsert(struct pt_store *store, const struct pt_reminder *reminder,
                                        char *token, size_t token_size, bool *created)
{
    return store->ops->reminder_upsert(store, reminder, token, token_size, created);
}

enum pt_status pt_store_reminder_cancel(struct pt_store *store, const char *token)
{
    return store->ops->reminder_cancel(store, token);
}

enum pt_status pt_store_reminders_due(struct pt_store *store, const char *month,
                                      pt_store_reminder_visitor visit, void *context)
{
    return store->ops->reminders_due(store, month, visit, context);
}

enum pt_status pt_store_reminder_done(struct pt_store *store, const unsigned char *email_hash,
                                      const char *up_to_month, const char *count_month,
                                      const char *kind)
{
    return store->ops->reminder_done(store, email_hash, up_to_month, count_month, kind);
}

enum pt_status pt_store_reminder_counts_each(struct pt_store *store,
                                             pt_store_reminder_count_visitor visit,
                                             void *context)
{
    return store->ops->reminder_counts_each(store, visit, context);
}

enum pt_status pt_store_pledge_get(struct pt_store *store, const char *id,
                                   struct pt_pledge_record *pledge)
{
    return store->ops->pledge_get(store, id, pledge);
}

enum pt_status pt_store_pledge_find(struct pt_store *store, const char *subscription_id,
                                    const char *checkout_id, struct pt_pledge_record *pledge)
{
    return store->ops->pledge_find(store, subscription_id, checkout_id, pledge);
}

enum pt_status pt_store_pledges_by_email(struct pt_store *store, const unsigned char *email_hash,
                                         char (*ids)[33], size_t capacity, size_t *count)
{
    return store->ops->pledges_by_email(store, email_hash, ids, capacity, count);
}

enum pt_status pt_store_pledge_set_checkout(struct pt_store *store, const char *id,
                                            const char *processor, const char *checkout_id)
{
    return store->ops->pledge_set_checkout(store, id, processor, checkout_id);
}

enum pt_status pt_store_ledger_apply(struct pt_store *store, const struct pt_ledger_change *change,
                                     struct pt_ledger_result *result)
{
    enum pt_status status = store->ops->ledger_apply(store, change, result);
    /* Every rail's money passes here (webhooks, bank statements, refunds
     * from the dashboard), so one hook hears them all. */
    pt_store_money_listener listener = atomic_load(&store->money_listener);
    if (status == PT_OK && listener != NULL &&
        (result->payment_recorded || result->reversal_recorded || result->reversals_recorded > 0))
        listener(atomic_load(&store->money_listener_context));
    return status;
}

enum pt_status pt_store_goal_figure(struct pt_store *store, const char *campaign,
                                    const char *currency, int64_t from, int64_t to,
                                    struct pt_store_goal_figure *figure)
{
    memset(figure, 0, sizeof(*figure));
    return store->ops->goal_figure(store, campaign, currency, from, to, figure);
}

void pt_store_listen_money(struct pt_store *store, pt_store_money_listener listener, void *context)
{
    /* The context first: a listener is never called with another's. */
    if (listener != NULL)
        atomic_store(&store->money_listener_context, context);
    atomic_store(&store->money_listener, listener);
}

enum pt_status pt_store_outbox_pending(struct pt_store *store, struct pt_outbox_item *items,
                                       size_t capacity, size_t *count)
{
    return store->ops->outbox_pending(store, items, capacity, count);
}

enum pt_status pt_store_outbox_add(struct pt_store *store, const char *pledge_id, const char *kind,
                                   const char *data, int64_t now)
{
    return store->ops->outbox_add(store, pledge_id, kind, data, now);
}

enum pt_status pt_store_outbox_done(struct pt_store *store, int64_t id, bool sent, int64_t now)
{
    return store->ops->outbox_done(store, id, sent, now);
}

enum pt_status pt_store_outbox_release(struct pt_store *store, int64_t id)
{
    return store->ops->outbox_release(store, id);
}

enum pt_status pt_store_magic_link_add(struct pt_store *store, const unsigned char *token_hash,
                                       const char *pledge_id, int64_t expires_at)
{
    return store->ops->magic_link_add(store, token_hash, pledge_id, expires_at);
}

enum pt_status pt_store_magic_link_use(struct pt_store *store, const unsigned char *token_hash,
                                       int64_t now, char pledge_id[33])
{
    return store->ops->magic_link_use(store, token_hash, now, pledge_id);
}

enum pt_status pt_store_lost_request_add(struct pt_store *store, const unsigned char *email_hash,
                                         const char *kind, int64_t now)
{
    return store->ops->lost_request_add(store, email_hash, kind, now);
}

enum pt_status pt_store_lost_requests_pending(struct pt_store *store,
                                              struct pt_lost_request *requests, size_t capacity,
                                              size_t *count)
{
    return store->ops->lost_requests_pending(store, requests, capacity, count);
}

enum pt_status pt_store_lost_request_answer(struct pt_store *store, int64_t id,
                                            const char *pledge_id, const char *kind, int64_t now)
{
    return store->ops->lost_request_answer(store, id, pledge_id, kind, now);
}

enum pt_status pt_store_magic_emails_since(struct pt_store *store, const unsigned char *email_hash,
                                           int64_t since, int64_t *count)
{
    return store->ops->magic_emails_since(store, email_hash, since, count);
}

/* ---------------------------------------------------------------- reports */

enum pt_status pt_store_counts_range(struct pt_store *store, int32_t from_day, int32_t to_day,
                                     pt_store_count_visitor visit, void *context)
{
    return store->ops->counts_range(store, from_day, to_day, visit, context);
}

enum pt_status pt_store_report_pledges(struct pt_store *store, int64_t from, int64_t to,
                                       pt_store_report_pledge_visitor visit, void *context)
{
    return store->ops->report_pledges(store, from, to, visit, context);
}

enum pt_status pt_store_report_history(struct pt_store *store, int64_t to,
                                       pt_store_report_history_visitor visit, void *context)
{
    return store->ops->report_history(store, to, visit, context);
}

enum pt_status pt_store_report_payments(struct pt_store *store, int64_t from, int64_t to,
                                        pt_store_report_payment_visitor visit, void *context)
{
    return store->ops->report_payments(store, from, to, visit, context);
}

enum pt_status pt_store_pledge_history_each(struct pt_store *store, const char *pledge_id,
                                            pt_store_history_visitor visit, void *context)
{
    return store->ops->pledge_history_each(store, pledge_id, visit, context);
}

enum pt_status pt_store_pledge_payments_each(struct pt_store *store, const char *pledge_id,
                                             pt_store_payment_visitor visit, void *context)
{
    return store->ops->pledge_payments_each(store, pledge_id, visit, context);
}

enum pt_status pt_store_payment_get(struct pt_store *store, const char *id,
                                    struct pt_store_payment *payment)
{
    return store->ops->payment_get(store, id, payment);
}

enum pt_status pt_store_disputes_each(struct pt_store *store, bool open_only, size_t limit,
                                      pt_store_dispute_visitor visit, void *context)
{
    return store->ops->disputes_each(store, open_only, limit, visit, context);
}

enum pt_status pt_store_reminders_of(struct pt_store *store, const unsigned char *email_hash,
                                     pt_store_reminder_visitor visit, void *context)
{
    return store->ops->reminders_of(store, email_hash, visit, context);
}

enum pt_status pt_store_donor_erase(struct pt_store *store, const unsigned char email_hash[32],
                                    int64_t now, size_t *pledges)
{
    return store->ops->donor_erase(store, email_hash, now, pledges);
}

enum pt_status pt_store_pledge_erase(struct pt_store *store, const char *pledge_id, int64_t now,
                                     const char *note)
{
    return store->ops->pledge_erase(store, pledge_id, now, note);
}

enum pt_status pt_store_pledges_to_erase(struct pt_store *store, bool one_off,
                                         int64_t cancelled_before, char (*ids)[33],
                                         size_t capacity, size_t *count)
{
    return store->ops->pledges_to_erase(store, one_off, cancelled_before, ids, capacity, count);
}

enum pt_status pt_store_manage_code_set(struct pt_store *store, const char *pledge_id,
                                        const unsigned char code_hash[32], bool replace,
                                        int64_t now)
{
    return store->ops->manage_code_set(store, pledge_id, code_hash, replace, now);
}

enum pt_status pt_store_manage_code_find(struct pt_store *store, const unsigned char code_hash[32],
                                         char pledge_id[33])
{
    return store->ops->manage_code_find(store, code_hash, NULL, pledge_id);
}

enum pt_status pt_store_manage_code_exists(struct pt_store *store, const char *pledge_id)
{
    char found[33];
    return store->ops->manage_code_find(store, NULL, pledge_id, found);
}

enum pt_status pt_store_key_check_get(struct pt_store *store, unsigned char value[32])
{
    return store->ops->key_check_get(store, value);
}

enum pt_status pt_store_key_check_set(struct pt_store *store, const unsigned char value[32])
{
    return store->ops->key_check_set(store, value);
}

enum pt_status pt_store_sealed_sample(struct pt_store *store, unsigned char **sealed,
                                      size_t *length)
{
    return store->ops->sealed_sample(store, sealed, length);
}

/* ---------------------------------------------------------- staff sign-in */

enum pt_status pt_store_user_add(struct pt_store *store, const char *email, const char *role,
                                 const char *password_hash, int64_t now, int64_t actor_id,
                                 int64_t *id)
{
    return store->ops->user_add(store, email, role, password_hash, now, actor_id, id);
}

enum pt_status pt_store_users_each(struct pt_store *store, pt_store_user_visitor visit,
                                   void *context)
{
    return store->ops->users_each(store, visit, context);
}

enum pt_status pt_store_user_get(struct pt_store *store, const char *email,
                                 struct pt_store_user *user)
{
    return store->ops->user_get(store, email, user);
}

enum pt_status pt_store_user_change(struct pt_store *store,
                                    const struct pt_store_user_change *change)
{
    return store->ops->user_change(store, change);
}

enum pt_status pt_store_user_rehash(struct pt_store *store, int64_t id, const char *password_hash)
{
    return store->ops->user_rehash(store, id, password_hash);
}

enum pt_status pt_store_audit_add(struct pt_store *store, int64_t now, int64_t actor_id,
                                  const char *action, const char *detail)
{
    return store->ops->audit_add(store, now, actor_id, action, detail);
}

enum pt_status pt_store_audit_each(struct pt_store *store, int64_t before_id, int limit,
                                   pt_store_audit_visitor visit, void *context)
{
    return store->ops->audit_each(store, before_id, limit, visit, context);
}

enum pt_status pt_store_session_add(struct pt_store *store, const unsigned char token_hash[32],
                                    int64_t user_id, int64_t now, int64_t expires_at)
{
    return store->ops->session_add(store, token_hash, user_id, now, expires_at);
}

enum pt_status pt_store_session_get(struct pt_store *store, const unsigned char token_hash[32],
                                    struct pt_store_session *session)
{
    return store->ops->session_get(store, token_hash, session);
}

enum pt_status pt_store_session_seen(struct pt_store *store, const unsigned char token_hash[32],
                                     int64_t now)
{
    return store->ops->session_seen(store, token_hash, now);
}

enum pt_status pt_store_session_delete(struct pt_store *store, const unsigned char token_hash[32],
                                       int64_t *user_id)
{
    return store->ops->session_delete(store, token_hash, user_id);
}

enum pt_status pt_store_sign_in_prune(struct pt_store *store, int64_t now, int64_t idle_before,
                                      int64_t failures_before)
{
    return store->ops->sign_in_prune(store, now, idle_before, failures_before);
}

enum pt_status pt_store_login_failures_count(struct pt_store *store, const unsigned char *account,
                                             const unsigned char *client, int64_t since,
                                             int64_t *count)
{
    return store->ops->login_failures_count(store, account, client, since, count);
}

enum pt_status pt_store_login_failure_add(struct pt_store *store, const unsigned char account[32],
                                          const unsigned char client[32], int64_t now,
                                          int64_t *row)
{
    return store->ops->login_failure_add(store, account, client, now, row);
}

enum pt_status pt_store_login_failure_forget(struct pt_store *store, int64_t row)
{
    return store->ops->login_failure_forget(store, row);
}

enum pt_status pt_store_login_failures_clear(struct pt_store *store,
                                             const unsigned char account[32],
                                             const unsigned char *client)
{
    return store->ops->login_failures_clear(store, account, client);
}

void pt_store_documents_add(struct pt_store_documents *set, const char *id, const char *document)
{
    if (set->count == set->capacity) {
        set->capacity = set->capacity ? set->capacity * 2 : 16;
        set->ids = pt_xrealloc(set->ids, set->capacity * sizeof(*set->ids));
        set->documents = pt_xrealloc(set->documents, set->capacity * sizeof(*set->documents));
    }
    set->ids[set->count] = pt_xstrdup(id);
    set->documents[set->count++] = pt_xstrdup(document);
}

static void collect(void *context, const char *id, const char *document)
{
    pt_store_documents_add(context, id, document);
}

enum pt_status pt_store_documents_read(struct pt_store *store, struct pt_store_documents *set)
{
    return pt_store_campaigns_each(store, collect, set);
}

void pt_store_documents_dispose(struct pt_store_documents *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free(set->ids[i]);
        free(set->documents[i]);
    }
    free(set->ids);
    free(set->documents);
    memset(set, 0, sizeof(*set));
}

enum pt_status pt_store_load_catalog(struct pt_store *store,
                                     const struct pt_catalog_settings *settings,
                                     struct pt_catalog **catalog, char *error, size_t error_size)
{
    struct pt_store_documents documents = {0};
    int64_t version = 0;
    /* Read the version first: a change that lands while we read makes the
     * next check see a newer version and rebuild, never the reverse. */
    enum pt_status status = pt_store_catalog_version(store, &version);
    if (status == PT_OK)
        status = pt_store_documents_read(store, &documents);
    if (status == PT_OK)
        status = pt_catalog_build((const char *const *)documents.documents, documents.count,
                                  settings, version, catalog, error, error_size);
    else
        snprintf(error, error_size, "cannot read campaigns from the database");
    pt_store_documents_dispose(&documents);
    return status;
}

enum pt_status pt_store_bank_entry_add(struct pt_store *store, const struct pt_bank_entry *entry,
                                       bool *added)
{
    return store->ops->bank_entry_add(store, entry, added);
}

enum pt_status pt_store_bank_entry_get(struct pt_store *store, const char *key,
                                       struct pt_bank_entry *entry)
{
    return store->ops->bank_entry_get(store, key, entry);
}

enum pt_status pt_store_bank_entries_each(struct pt_store *store, const char *state,
                                          size_t limit, pt_store_bank_entry_visitor visit,
                                          void *context)
{
    return store->ops->bank_entries_each(store, state, limit, visit, context);
}

enum pt_status pt_store_bank_entry_resolve(struct pt_store *store, const char *key,
                                           const char *state, const char *pledge_id,
                                           const char *by, int64_t now)
{
    return store->ops->bank_entry_resolve(store, key, state, pledge_id, by, now);
}

enum pt_status pt_store_pledges_overdue(struct pt_store *store, const char *processor,
                                        int64_t monthly_before, int64_t annual_before,
                                        char (*ids)[33], size_t capacity, size_t *count)
{
    return store->ops->pledges_overdue(store, processor, monthly_before, annual_before, ids,
                                       capacity, count);
}
