/* Stripe's webhook signature, event parsing, and the donor's manage links. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "patron/crypto.h"
#include "patron/pay.h"
#include "patron/pledges.h"

static const char body[] =
    "{\"id\":\"evt_test_1\",\"type\":\"invoice.paid\",\"created\":1796000000,\"data\":{\"object\":"
    "{\"id\":\"in_1\",\"object\":\"invoice\",\"subscription\":\"sub_1\",\"amount_paid\":500,"
    "\"currency\":\"usd\",\"attempt_count\":1}}}";
static const char secret[] = "whsec_patron_test_secret";
/* printf '%s' "1796000000.$body" | openssl dgst -sha256 -hmac whsec_patron_test_secret */
static const char openssl_vector[] =
    "071f2e54709579c58ee68fcc991101df945e932cd9627972b9564b2efd03b2a7";
static const int64_t signed_at = 1796000000;

static enum pt_status verify(const char *header, const char *text, const char *secrets,
                             int64_t now)
{
    char error[256];
    return pt_pay_stripe_verify(header, text, strlen(text), secrets, now, 300, error,
                                sizeof(error));
}

static void header(char *out, size_t size, int64_t t, const char *signature)
{
    snprintf(out, size, "t=%lld,v1=%s", (long long)t, signature);
}

Test(webhook, the_openssl_vector_is_accepted)
{
    char value[200];
    header(value, sizeof(value), signed_at, openssl_vector);
    cr_assert_eq(verify(value, body, secret, signed_at), PT_OK);
}

Test(webhook, a_tampered_body_or_wrong_secret_is_refused)
{
    char value[200];
    header(value, sizeof(value), signed_at, openssl_vector);
    char tampered[sizeof(body)];
    memcpy(tampered, body, sizeof(body));
    tampered[strlen(tampered) - 10] = '9';
    cr_assert_eq(verify(value, tampered, secret, signed_at), PT_ERR_INVALID);
    cr_assert_eq(verify(value, body, "whsec_other", signed_at), PT_ERR_INVALID);
    cr_assert_eq(verify(NULL, body, secret, signed_at), PT_ERR_INVALID);
    cr_assert_eq(verify("v1=abc", body, secret, signed_at), PT_ERR_INVALID);
}

Test(webhook, timestamps_more_than_five_minutes_away_either_way_are_refused)
{
    char value[200];
    header(value, sizeof(value), signed_at, openssl_vector);
    cr_assert_eq(verify(value, body, secret, signed_at + 300), PT_OK, "exactly 5 minutes old");
    cr_assert_eq(verify(value, body, secret, signed_at + 301), PT_ERR_INVALID);
    cr_assert_eq(verify(value, body, secret, signed_at - 300), PT_OK, "5 minutes ahead");
    cr_assert_eq(verify(value, body, secret, signed_at - 301), PT_ERR_INVALID);
}

Test(webhook, any_matching_v1_and_any_configured_secret_will_do)
{
    char value[400];
    snprintf(value, sizeof(value), "t=%lld,v1=%064d,v0=%064d,v1=%s", (long long)signed_at, 0, 0,
             openssl_vector);
    cr_assert_eq(verify(value, body, secret, signed_at), PT_OK);
    header(value, sizeof(value), signed_at, openssl_vector);
    cr_assert_eq(verify(value, body, "whsec_old, whsec_patron_test_secret", signed_at), PT_OK,
                 "rotation: the second secret matches");
    cr_assert_eq(verify(value, body, "whsec_old,whsec_older", signed_at), PT_ERR_INVALID);
}

/* docs/PAYMENTS.md says any number of v1= values: the matching one may come
 * after many that do not (a rotation, or a sender that signs many times). */
Test(webhook, a_matching_v1_after_many_others_is_found)
{
    char value[4096];
    for (int others = 0; others <= 40; others += 8) {
        size_t used = (size_t)snprintf(value, sizeof(value), "t=%lld", (long long)signed_at);
        for (int i = 0; i < others; i++)
            used += (size_t)snprintf(value + used, sizeof(value) - used, ",v1=%064d", i + 1);
        snprintf(value + used, sizeof(value) - used, ",v1=%s", openssl_vector);
        cr_assert_eq(verify(value, body, secret, signed_at), PT_OK,
                     "the match comes after %d others", others);
        value[used] = '\0';
        if (others > 0)
            cr_assert_eq(verify(value, body, secret, signed_at), PT_ERR_INVALID,
                         "%d signatures, none of them right", others);
    }
}

Test(webhook, events_parse_into_what_the_ledger_needs)
{
    struct pt_pay_event event;
    char error[256];
    cr_assert_eq(pt_pay_stripe_parse_event(body, strlen(body), &event, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_str_eq(event.id, "evt_test_1");
    cr_assert_str_eq(event.type, "invoice.paid");
    cr_assert_eq(event.kind, PT_PAY_EVENT_PAYMENT_SUCCEEDED);
    cr_assert_str_eq(event.object_id, "in_1");
    cr_assert_str_eq(event.subscription, "sub_1");
    cr_assert_eq(event.amount_minor, 500);
    cr_assert_str_eq(event.currency, "USD");
    cr_assert_eq(event.attempt, 1);
    const char *duplicate = "{\"id\":\"a\",\"id\":\"b\",\"type\":\"x\",\"data\":{\"object\":{}}}";
    cr_assert_eq(pt_pay_stripe_parse_event(duplicate, strlen(duplicate), &event, error,
                                           sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_pay_stripe_parse_event("[]", 2, &event, error, sizeof(error)),
                 PT_ERR_INVALID);
}

Test(webhook, subscription_states_map_to_the_ledger)
{
    struct pt_pay_subscription subscription = {0};
    const struct {
        const char *stripe;
        bool paused;
        const char *ledger;
    } cases[] = {{"active", false, "active"},   {"trialing", false, "active"},
                 {"active", true, "paused"},    {"past_due", false, "past_due"},
                 {"unpaid", false, "past_due"}, {"canceled", false, "cancelled"},
                 {"incomplete_expired", false, "cancelled"}, {"incomplete", false, "pending"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(subscription.status, sizeof(subscription.status), "%s", cases[i].stripe);
        subscription.paused = cases[i].paused;
        cr_assert_str_eq(pt_pledges_status_for(&subscription), cases[i].ledger, "%s",
                         cases[i].stripe);
    }
}

static struct pt_crypto keys(unsigned char fill)
{
    struct pt_crypto crypto;
    memset(&crypto, fill, sizeof(crypto));
    return crypto;
}

Test(manage_link, a_signed_token_opens_its_pledge_until_it_expires)
{
    cr_assert(sodium_init() >= 0);
    struct pt_crypto crypto = keys(7);
    const char *pledge = "0123456789abcdef0123456789abcdef";
    char token[PT_MANAGE_TOKEN_MAX], found[33];
    pt_pledges_manage_token(&crypto, pledge, 2000, token);
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, token, 1999, found), PT_OK);
    cr_assert_str_eq(found, pledge);
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, token, 2000, found), PT_OK);
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, token, 2001, found), PT_ERR_INVALID,
                 "expired");
}

Test(manage_link, forged_foreign_and_damaged_tokens_are_refused)
{
    cr_assert(sodium_init() >= 0);
    struct pt_crypto crypto = keys(7), other = keys(8);
    char token[PT_MANAGE_TOKEN_MAX], found[33];
    pt_pledges_manage_token(&crypto, "0123456789abcdef0123456789abcdef", 2000, token);
    cr_assert_eq(pt_pledges_check_manage_token(&other, token, 1000, found), PT_ERR_INVALID,
                 "another server's key");
    token[5] = token[5] == 'A' ? 'B' : 'A';
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, token, 1000, found), PT_ERR_INVALID);
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, "", 1000, found), PT_ERR_INVALID);
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, "not base64!", 1000, found),
                 PT_ERR_INVALID);
    cr_assert_eq(pt_pledges_check_manage_token(&crypto, NULL, 1000, found), PT_ERR_INVALID);
}

/* ------------------------------------------- Stripe's charges, re-read */

Test(stripe, a_charge_reads_as_its_payment_ids_its_counted_refunds_and_its_dispute)
{
    const char *charge =
        "{\"id\":\"ch_1\",\"amount\":500,\"currency\":\"usd\",\"disputed\":true,"
        "\"invoice\":{\"id\":\"in_1\",\"subscription\":\"sub_1\",\"subscription_details\":"
        "{\"metadata\":{\"pledge_id\":\"p1\"}}},\"payment_intent\":\"pi_1\"}";
    const char *refunds = "{\"data\":[{\"id\":\"re_1\",\"amount\":200,\"status\":\"succeeded\"},"
                          "{\"id\":\"re_2\",\"amount\":100,\"status\":\"pending\"},"
                          "{\"id\":\"re_3\",\"amount\":501,\"status\":\"succeeded\"}]}";
    const char *disputes =
        "{\"data\":[{\"id\":\"du_1\",\"amount\":500,\"status\":\"won\",\"reason\":\"fraudulent\"}]}";
    struct pt_pay_charge read;
    char error[256];
    cr_assert_eq(pt_pay_stripe_parse_charge(charge, strlen(charge), refunds, strlen(refunds),
                                            disputes, strlen(disputes), &read, error,
                                            sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_str_eq(read.payment_ids[0], "in_1");
    cr_assert_str_eq(read.payment_ids[1], "pi_1");
    cr_assert_str_eq(read.payment_ids[2], "ch_1");
    cr_assert_str_eq(read.pledge_id, "p1");
    cr_assert_str_eq(read.subscription, "sub_1");
    cr_assert_str_eq(read.currency, "USD");
    cr_assert_eq(read.refund_count, 3);
    cr_assert(read.refunds[0].counts);
    cr_assert_not(read.refunds[1].counts, "pending: not yet");
    cr_assert_not(read.refunds[2].counts, "more than the charge is not believed");
    cr_assert(read.disputed);
    cr_assert(read.dispute.withdrawn && read.dispute.returned && !read.dispute.open);

    const char *inquiry = "{\"data\":[{\"id\":\"du_2\",\"amount\":500,\"status\":\"warning_needs_response\"}]}";
    cr_assert_eq(pt_pay_stripe_parse_charge(charge, strlen(charge), refunds, strlen(refunds),
                                            inquiry, strlen(inquiry), &read, error, sizeof(error)),
                 PT_OK);
    cr_assert(read.dispute.open);
    cr_assert_not(read.dispute.withdrawn, "an inquiry takes no money");
    const char *lost = "{\"data\":[{\"id\":\"du_3\",\"amount\":500,\"status\":\"lost\"}]}";
    cr_assert_eq(pt_pay_stripe_parse_charge(charge, strlen(charge), refunds, strlen(refunds), lost,
                                            strlen(lost), &read, error, sizeof(error)),
                 PT_OK);
    cr_assert(read.dispute.withdrawn && !read.dispute.returned && !read.dispute.open);
    cr_assert_eq(pt_pay_stripe_parse_charge("[]", 2, refunds, strlen(refunds), lost, strlen(lost),
                                            &read, error, sizeof(error)),
                 PT_ERR_INVALID);
}

Test(stripe, refund_and_dispute_events_name_the_charge_to_re_read)
{
    const char *refunded = "{\"id\":\"evt_1\",\"type\":\"charge.refunded\",\"data\":{\"object\":"
                           "{\"id\":\"ch_9\",\"object\":\"charge\"}}}";
    const char *dispute = "{\"id\":\"evt_2\",\"type\":\"charge.dispute.closed\",\"data\":{\"object\":"
                          "{\"id\":\"du_9\",\"object\":\"dispute\",\"charge\":\"ch_8\"}}}";
    const char *failed = "{\"id\":\"evt_3\",\"type\":\"checkout.session.async_payment_failed\","
                         "\"data\":{\"object\":{\"id\":\"cs_9\",\"object\":\"checkout.session\"}}}";
    struct pt_pay_event event;
    char error[256];
    cr_assert_eq(pt_pay_stripe_parse_event(refunded, strlen(refunded), &event, error,
                                           sizeof(error)),
                 PT_OK);
    cr_assert_eq(event.kind, PT_PAY_EVENT_CHARGE);
    cr_assert_str_eq(event.charge, "ch_9");
    cr_assert_eq(pt_pay_stripe_parse_event(dispute, strlen(dispute), &event, error, sizeof(error)),
                 PT_OK);
    cr_assert_eq(event.kind, PT_PAY_EVENT_CHARGE);
    cr_assert_str_eq(event.charge, "ch_8");
    cr_assert_eq(pt_pay_stripe_parse_event(failed, strlen(failed), &event, error, sizeof(error)),
                 PT_OK);
    cr_assert_eq(event.kind, PT_PAY_EVENT_CHECKOUT_FAILED);
    cr_assert_str_eq(event.object_id, "cs_9");
}
