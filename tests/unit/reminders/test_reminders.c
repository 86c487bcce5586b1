/* "Remind me later" by email: the month rule, sign-ups, and the email. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "patron/crypto.h"
#include "patron/mail.h"
#include "patron/reminders.h"
#include "patron/store.h"
#include "scratch.h"

static int64_t at(int year, int month, int day, int hour)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    return (int64_t)timegm(&tm);
}

static void expect_month(int64_t now, int year, int month)
{
    struct pt_month chosen = pt_reminders_default_month(now);
    cr_assert_eq(chosen.year, year, "year %d, expected %d", chosen.year, year);
    cr_assert_eq(chosen.month, month, "month %d, expected %d", chosen.month, month);
}

Test(month_rule, before_the_20th_is_next_month)
{
    expect_month(at(2026, 11, 19, 23), 2026, 12);
    expect_month(at(2026, 11, 1, 0), 2026, 12);
}

Test(month_rule, from_the_20th_is_the_month_after)
{
    expect_month(at(2026, 11, 20, 0), 2027, 1);
    expect_month(at(2026, 11, 21, 12), 2027, 1);
    expect_month(at(2026, 11, 30, 23), 2027, 1);
}

Test(month_rule, december_rolls_into_the_next_year)
{
    expect_month(at(2026, 12, 19, 12), 2027, 1);
    expect_month(at(2026, 12, 20, 12), 2027, 2);
    expect_month(at(2026, 12, 31, 23), 2027, 2);
}

Test(month_rule, leap_years)
{
    expect_month(at(2028, 2, 19, 0), 2028, 3);
    expect_month(at(2028, 2, 29, 12), 2028, 4); /* the 29th exists in 2028 */
    expect_month(at(2027, 2, 28, 12), 2027, 4);
    expect_month(at(2027, 3, 1, 0), 2027, 4); /* 2027 has no 29 February */
}

Test(month_rule, allowed_months_are_the_next_twelve)
{
    int64_t now = at(2026, 11, 29, 12);
    cr_assert_not(pt_reminders_month_allowed(now, (struct pt_month){2026, 11}));
    cr_assert(pt_reminders_month_allowed(now, (struct pt_month){2026, 12}));
    cr_assert(pt_reminders_month_allowed(now, (struct pt_month){2027, 11}));
    cr_assert_not(pt_reminders_month_allowed(now, (struct pt_month){2027, 12}));
}

Test(month_rule, parse_format_and_names)
{
    struct pt_month month;
    cr_assert(pt_reminders_month_parse("2027-01", &month));
    cr_assert_eq(month.year, 2027);
    cr_assert_eq(month.month, 1);
    cr_assert_not(pt_reminders_month_parse("2027-13", &month));
    cr_assert_not(pt_reminders_month_parse("2027-1", &month));
    cr_assert_not(pt_reminders_month_parse("27-01-01", &month));
    char text[8];
    pt_reminders_month_format((struct pt_month){2027, 3}, text);
    cr_assert_str_eq(text, "2027-03");
    cr_assert_str_eq(pt_reminders_month_name("en", 12), "December");
    cr_assert_str_eq(pt_reminders_month_name("ru", 12), "декабрь");
    cr_assert_str_eq(pt_reminders_in_month("ru", 5), "в мае");
    cr_assert_str_eq(pt_reminders_in_month("en", 5), "in May");
}

/* -------------------------------------------------------------- crypto */

Test(crypto, addresses_are_normalised_and_checked)
{
    char out[255];
    cr_assert_eq(pt_crypto_normalise_email("  Reader@Example.ORG ", out), PT_OK);
    cr_assert_str_eq(out, "reader@example.org");
    const char *bad[] = {"", "nope", "@example.org", "a@", "a@b", "a b@c.org", "a@b..org",
                         "a@@b.org", "a<b@c.org", "a@b.org\r\nBcc: x@y.org"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(pt_crypto_normalise_email(bad[i], out), PT_ERR_INVALID, "%s", bad[i]);
}

static struct pt_scratch scratch;
static const char *folder;
static struct pt_crypto crypto;
static struct pt_store *store;

static void setup(void)
{
    pt_scratch_open(&scratch, "reminders");
    folder = scratch.folder;
    store = scratch.store;
    char path[PATH_MAX + 16], error[256];
    snprintf(path, sizeof(path), "%s/patron.key", folder);
    cr_assert_eq(sodium_init() >= 0, true);
    cr_assert_eq(pt_crypto_load(&crypto, path, error, sizeof(error)), PT_OK, "%s", error);
}

static void teardown(void)
{
    pt_scratch_close(&scratch);
}

Test(crypto, the_key_file_is_private_and_sealing_round_trips, .init = setup, .fini = teardown)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/patron.key", folder);
    struct stat info;
    cr_assert_eq(stat(path, &info), 0);
    cr_assert_eq(info.st_mode & 0777, 0600);
    unsigned char *sealed = NULL;
    size_t length = 0;
    pt_crypto_seal(&crypto, "reader@example.org", &sealed, &length);
    cr_assert(memmem(sealed, length, "reader", 6) == NULL);
    char *opened = NULL;
    cr_assert_eq(pt_crypto_open(&crypto, sealed, length, &opened), PT_OK);
    cr_assert_str_eq(opened, "reader@example.org");
    free(opened);
    sealed[length - 1] ^= 1;
    cr_assert_eq(pt_crypto_open(&crypto, sealed, length, &opened), PT_ERR_INVALID);
    free(sealed);

    /* The same key file gives the same keys; a world-readable one is refused. */
    struct pt_crypto again;
    char error[256];
    cr_assert_eq(pt_crypto_load(&again, path, error, sizeof(error)), PT_OK);
    cr_assert_eq(memcmp(again.lookup_key, crypto.lookup_key, sizeof(again.lookup_key)), 0);
    chmod(path, 0644);
    cr_assert_eq(pt_crypto_load(&again, path, error, sizeof(error)), PT_ERR_INVALID);
    cr_assert(strstr(error, "chmod 600") != NULL);
}

/* ------------------------------------------------------------- sign-up */

static enum pt_status sign_up(const char *email, const char *month, bool *created, char *token)
{
    struct pt_reminder_request request = {email, month, "en", "demo-2026", "a", NULL};
    struct pt_month chosen;
    char message[256];
    struct pt_origins primary_only = {0};
    return pt_reminders_sign_up(store, &crypto, &primary_only, &request, at(2026, 11, 29, 12),
                                &chosen, token, 64, created, message, sizeof(message));
}

static void count_rows(void *context, const struct pt_reminder *reminder)
{
    (void)reminder;
    (*(int *)context)++;
}

Test(sign_up, a_second_sign_up_for_the_same_month_is_the_same_reminder, .init = setup,
     .fini = teardown)
{
    bool created = false;
    char first[64], second[64], other[64];
    cr_assert_eq(sign_up("reader@example.org", "2027-01", &created, first), PT_OK);
    cr_assert(created);
    cr_assert_eq(sign_up("READER@example.org ", "2027-01", &created, second), PT_OK);
    cr_assert_not(created, "the same address and month is an update");
    cr_assert_str_eq(first, second, "the first cancel link keeps working");
    cr_assert_eq(sign_up("reader@example.org", "2027-02", &created, other), PT_OK);
    cr_assert(created, "another month is another reminder");
    int rows = 0;
    cr_assert_eq(pt_store_reminders_due(store, "2027-12", count_rows, &rows), PT_OK);
    cr_assert_eq(rows, 2);
    cr_assert_eq(pt_store_reminder_cancel(store, first), PT_OK);
    cr_assert_eq(pt_store_reminder_cancel(store, first), PT_ERR_NOT_FOUND);
    rows = 0;
    cr_assert_eq(pt_store_reminders_due(store, "2027-12", count_rows, &rows), PT_OK);
    cr_assert_eq(rows, 1);
}

/* The bytes the store's write-ahead log holds: each commit appends the pages
 * it wrote, so the growth over one call is the work it did on disk. */
static int64_t wal_bytes(void)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s-wal", scratch.database);
    struct stat info;
    cr_assert_eq(stat(path, &info), 0, "no write-ahead log at %s", path);
    return (int64_t)info.st_size;
}

static int64_t sign_up_cost(const char *email, bool expect_created)
{
    int64_t before = wal_bytes();
    bool created = !expect_created;
    char token[64];
    cr_assert_eq(sign_up(email, "2027-01", &created, token), PT_OK);
    cr_assert_eq(created, expect_created, "%s", email);
    return wal_bytes() - before;
}

/* Issue 16: a sign-up for an address already signed up must cost what a new
 * one does, or its timing tells a web page whether its visitor's address is
 * known. The same statements, the same pages written. */
Test(sign_up, a_known_address_costs_the_store_what_a_new_one_does, .init = setup,
     .fini = teardown)
{
    /* An empty log first, so that no checkpoint restarts it mid-test. */
    pt_scratch_query_int(&scratch, "PRAGMA wal_checkpoint(TRUNCATE)");
    cr_assert_eq(sign_up_cost("first@example.org", true) > 0, true);
    int64_t fresh = sign_up_cost("second@example.org", true);
    int64_t known = sign_up_cost("second@example.org", false);
    int64_t another = sign_up_cost("third@example.org", true);
    cr_assert_gt(fresh, 0);
    cr_assert_eq(known, fresh, "a known address wrote %lld bytes, a new one %lld",
                 (long long)known, (long long)fresh);
    cr_assert_eq(another, fresh, "%lld vs %lld", (long long)another, (long long)fresh);
}

Test(sign_up, bad_addresses_and_months_are_refused, .init = setup, .fini = teardown)
{
    bool created;
    char token[64];
    cr_assert_eq(sign_up("not an address", NULL, &created, token), PT_ERR_INVALID);
    cr_assert_eq(sign_up("reader@example.org", "2026-11", &created, token), PT_ERR_INVALID);
    cr_assert_eq(sign_up("reader@example.org", "2028-01", &created, token), PT_ERR_INVALID);
    cr_assert_eq(sign_up("reader@example.org", "soon", &created, token), PT_ERR_INVALID);
    cr_assert_eq(sign_up("reader@example.org", NULL, &created, token), PT_OK,
                 "no month means the default one");
}

/* --------------------------------------------------------------- email */

static void render(const char *language, struct pt_buf *raw)
{
    struct pt_buf subject, text, html;
    pt_buf_init(&subject);
    pt_buf_init(&text);
    pt_buf_init(&html);
    struct pt_reminder_email email = {language, {2027, 1}, "The Northern Ledger",
                                      "https://support.example.org/support?lang=en",
                                      "https://support.example.org/reminders/cancel?token=T", NULL};
    pt_reminders_render(&email, &subject, &text, &html);
    struct pt_mail_settings settings = {"smtp://127.0.0.1:2525", false, "", "",
                                        "news@example.org", "The Northern Ledger", 5, 0, 0, NULL, {{NULL}}};
    struct pt_mail_message message = {"reader@example.org", subject.data, text.data, html.data,
                                      email.cancel_url};
    pt_mail_render(raw, &settings, &message, at(2027, 1, 5, 9), "BOUNDARY", "ID");
    cr_assert(strstr(text.data, "https://support.example.org/support?lang=en") != NULL);
    cr_assert(strstr(text.data, "https://support.example.org/reminders/cancel?token=T") != NULL);
    cr_assert(strstr(html.data, "href=\"https://support.example.org/support?lang=en\"") != NULL);
    cr_assert(strstr(text.data, language[0] == 'r' ? "в январе" : "in January") != NULL,
              "%s", text.data);
    pt_buf_dispose(&subject);
    pt_buf_dispose(&text);
    pt_buf_dispose(&html);
}

Test(email, headers_links_and_both_languages)
{
    struct pt_buf raw;
    pt_buf_init(&raw);
    render("en", &raw);
    const char *expected[] = {
        "Date: Tue, 05 Jan 2027 09:00:00 +0000\r\n",
        "From: The Northern Ledger\r\n <news@example.org>\r\n",
        "To: <reader@example.org>\r\n",
        "Subject: Your reminder from The Northern Ledger\r\n",
        "Message-ID: <ID@example.org>\r\n",
        "List-Unsubscribe: <https://support.example.org/reminders/cancel?token=T>\r\n",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
        "Content-Type: multipart/alternative; boundary=\"BOUNDARY\"\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
        "--BOUNDARY--\r\n",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        cr_assert(strstr(raw.data, expected[i]) != NULL, "missing %s", expected[i]);
    pt_buf_dispose(&raw);

    pt_buf_init(&raw);
    render("ru", &raw);
    cr_assert(strstr(raw.data, "Subject: =?UTF-8?B?") != NULL, "a Russian subject is encoded");
    pt_buf_dispose(&raw);
}

/* Neutral traces (issue 14): the newsroom's own subject, per language, else
 * for every language, else patron's wording with the newsroom's name. */
Test(render, a_subject_the_newsroom_set_is_used_as_it_is_per_language)
{
    struct pt_mail_settings mail = {0};
    mail.subjects[7][0] = "A note from us";
    mail.subjects[7][1 + PT_LANG_RU] = "Напоминание";
    cr_assert_str_eq(pt_mail_subject_kinds[7], "reminder");
    cr_assert_str_eq(pt_mail_subject(&mail, "reminder", PT_LANG_RU), "Напоминание");
    cr_assert_str_eq(pt_mail_subject(&mail, "reminder", PT_LANG_EN), "A note from us");
    cr_assert_null(pt_mail_subject(&mail, "receipt", PT_LANG_EN));
    cr_assert_null(pt_mail_subject(&mail, "no such kind", PT_LANG_EN));
    struct pt_buf subject, text, html;
    pt_buf_init(&subject);
    pt_buf_init(&text);
    pt_buf_init(&html);
    struct pt_reminder_email email = {"ru", {2027, 1}, "The Northern Ledger", "https://s",
                                      "https://c", pt_mail_subject(&mail, "reminder", PT_LANG_RU)};
    pt_reminders_render(&email, &subject, &text, &html);
    cr_assert_str_eq(subject.data, "Напоминание");
    pt_buf_reset(&subject);
    email.subject = NULL;
    pt_reminders_render(&email, &subject, &text, &html);
    cr_assert(strstr(subject.data, "The Northern Ledger") != NULL, "patron's own names the newsroom");
    pt_buf_dispose(&subject);
    pt_buf_dispose(&text);
    pt_buf_dispose(&html);
}
