/* The message table: every cell filled, every translation safe to printf,
 * and a few rendered phrases in both languages as they were before the
 * table. The table is static, so the test includes the module itself. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../../src/core/i18n.c"
#include "patron/money.h"
#include "patron/reminders.h"
#include "patron/render.h"

/* The conversions of a printf format, in order, each written out whole
 * ("%s", "%lld", "%.*f") and separated by spaces; "%%" is text, not a
 * conversion. */
static void conversions(const char *format, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = format; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        const char *start = p++;
        p += strspn(p, "-+ #0");
        p += strspn(p, "0123456789*");
        if (*p == '.') {
            p++;
            p += strspn(p, "0123456789*");
        }
        p += strspn(p, "hljztL");
        /* A lone % at the end is kept as it is: English has none, so it
         * differs and fails. */
        size_t length = (size_t)(p - start) + (*p != '\0');
        used += (size_t)snprintf(out + used, out_size - used, "%.*s ", (int)length, start);
        cr_assert_lt(used, out_size);
        if (*p == '\0')
            break;
    }
}

Test(i18n, every_cell_is_filled)
{
    for (int msg = 0; msg < PT_MSG_COUNT; msg++) {
        for (int lang = 0; lang < PT_LANG_COUNT; lang++) {
            const char *text = messages[msg][lang];
            cr_assert_not_null(text, "message %d has no %s", msg, pt_i18n_code((enum pt_lang)lang));
            cr_assert(text[0] != '\0', "message %d is empty in %s", msg,
                      pt_i18n_code((enum pt_lang)lang));
        }
    }
}

Test(i18n, translations_keep_the_english_conversions)
{
    for (int msg = 0; msg < PT_MSG_COUNT; msg++) {
        char english[256], other[256];
        conversions(messages[msg][PT_LANG_EN], english, sizeof(english));
        for (int lang = 1; lang < PT_LANG_COUNT; lang++) {
            conversions(messages[msg][lang], other, sizeof(other));
            cr_assert_str_eq(other, english, "message %d in %s: \"%s\" has [%s], English [%s]", msg,
                             pt_i18n_code((enum pt_lang)lang), messages[msg][lang], other, english);
        }
    }
}

Test(i18n, the_conversion_reader_itself)
{
    char out[64];
    conversions("The minimum is %s%s, 100%% %lld %.*f %-5d.", out, sizeof(out));
    cr_assert_str_eq(out, "%s %s %lld %.*f %-5d ");
    conversions("no conversions", out, sizeof(out));
    cr_assert_str_eq(out, "");
    conversions("dangling %", out, sizeof(out));
    cr_assert_str_eq(out, "% ");
}

Test(i18n, languages_from_tags)
{
    cr_assert_eq(pt_i18n_lang("ru"), PT_LANG_RU);
    cr_assert_eq(pt_i18n_lang("ru-RU"), PT_LANG_RU);
    cr_assert_eq(pt_i18n_lang("en"), PT_LANG_EN);
    cr_assert_eq(pt_i18n_lang(""), PT_LANG_EN);
    cr_assert_eq(pt_i18n_lang(NULL), PT_LANG_EN);
    cr_assert_eq(pt_i18n_lang("xx"), PT_LANG_EN);
    cr_assert_eq(pt_i18n_lang("rus"), PT_LANG_EN, "only the primary subtag \"ru\"");
    cr_assert_eq(pt_i18n_lang("RU"), PT_LANG_EN, "tags are compared as patron writes them");
    cr_assert_str_eq(pt_i18n_code(PT_LANG_EN), "en");
    cr_assert_str_eq(pt_i18n_code(PT_LANG_RU), "ru");
    for (int lang = 0; lang < PT_LANG_COUNT; lang++)
        cr_assert_eq((int)pt_i18n_lang(pt_i18n_code((enum pt_lang)lang)), lang);
}

Test(i18n, out_of_range_is_empty_not_a_crash)
{
    cr_assert_str_eq(pt_i18n_text(PT_MSG_COUNT, PT_LANG_EN), "");
    cr_assert_str_eq(pt_i18n_text(PT_MSG_MONEY_LARGE, PT_LANG_COUNT), "");
}

Test(i18n, months_run_in_order)
{
    cr_assert_str_eq(pt_i18n_text(PT_MSG_MONTH_JANUARY + 11, PT_LANG_EN), "December");
    cr_assert_str_eq(pt_i18n_text(PT_MSG_IN_MONTH_JANUARY + 11, PT_LANG_RU), "в декабре");
    cr_assert_str_eq(pt_reminders_month_name("ru-RU", 3), "март");
    cr_assert_str_eq(pt_reminders_in_month("de", 3), "in March");
}

/* ------------------------------------------- phrases as they read before */

Test(i18n_rendered, money_in_both_languages)
{
    const struct pt_currency *usd = pt_money_currency("USD");
    const struct pt_currency *jpy = pt_money_currency("JPY");
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_money_statement(&buf, 350, usd, PT_FREQUENCY_ONE_OFF, "ru");
    cr_assert_str_eq(buf.data, "Вы перечислите 3,50\u00a0$ один раз");
    pt_buf_dispose(&buf);
    pt_buf_init(&buf);
    pt_money_statement(&buf, 1200, usd, PT_FREQUENCY_ANNUAL, "ru");
    cr_assert_str_eq(buf.data, "Вы будете перечислять 12\u00a0$ каждый год");
    pt_buf_dispose(&buf);
    pt_buf_init(&buf);
    pt_money_statement(&buf, 350, usd, PT_FREQUENCY_ONE_OFF, "en");
    cr_assert_str_eq(buf.data, "You will give $3.50 once");
    pt_buf_dispose(&buf);

    char error[256];
    cr_assert_eq(pt_money_check(PT_FREQUENCY_MONTHLY, 100, usd, 2000, "ru", error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_str_eq(error, "Минимальная сумма — 2\u00a0$ в месяц.");
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ONE_OFF, 10, usd, 2000, "en", error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_str_eq(error, "The minimum is $1.");
    cr_assert_eq(pt_money_check(PT_FREQUENCY_ANNUAL, 300000, usd, 2000, "en", error, sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_str_eq(error, "The most we can take at once is $2,000.");
    int64_t minor;
    cr_assert_eq(pt_money_parse("3,5", jpy, "ru", &minor, error, sizeof(error)), PT_ERR_INVALID);
    cr_assert_str_eq(error, "В JPY нет дробных единиц: введите целую сумму.");
    cr_assert_eq(pt_money_parse("3.5", jpy, "en", &minor, error, sizeof(error)), PT_ERR_INVALID);
    cr_assert_str_eq(error, "JPY has no smaller unit: enter a whole amount.");
    cr_assert_eq(pt_money_parse("five", usd, "en", &minor, error, sizeof(error)), PT_ERR_INVALID);
    cr_assert_str_eq(error, "Enter the amount as a number, for example 5 or 3.50.");
}

Test(i18n_rendered, reminder_email_in_both_languages)
{
    const char *expected_text[PT_LANG_COUNT] = {
        [PT_LANG_EN] = "Hello,\n\nYou asked us to remind you in March about supporting The 100% "
                       "Times. Here it is, just this once, as promised.\n\n"
                       "Support us: https://s\n\n"
                       "There will be no more emails about this: your address is deleted once "
                       "this one is sent.\n\n"
                       "Unsubscribe: https://c\n",
        [PT_LANG_RU] = "Здравствуйте!\n\nВы просили напомнить вам в марте о поддержке The 100% "
                       "Times. Напоминаем — один раз, как обещали.\n\n"
                       "Поддержать: https://s\n\n"
                       "Больше писем об этом не будет: ваш адрес удалён после отправки.\n\n"
                       "Отписаться: https://c\n",
    };
    const char *expected_subject[PT_LANG_COUNT] = {
        [PT_LANG_EN] = "Your reminder from The 100% Times",
        [PT_LANG_RU] = "Напоминание от редакции The 100% Times",
    };
    for (int lang = 0; lang < PT_LANG_COUNT; lang++) {
        struct pt_buf subject, text, html;
        pt_buf_init(&subject);
        pt_buf_init(&text);
        pt_buf_init(&html);
        struct pt_reminder_email email = {pt_i18n_code((enum pt_lang)lang),
                                          {2027, 3},
                                          "The 100% Times",
                                          "https://s",
                                          "https://c", NULL};
        pt_reminders_render(&email, &subject, &text, &html);
        cr_assert_str_eq(subject.data, expected_subject[lang]);
        cr_assert_str_eq(text.data, expected_text[lang]);
        cr_assert(strstr(html.data,
                         lang == PT_LANG_RU ? "<html lang=\"ru\">" : "<html lang=\"en\">") != NULL);
        pt_buf_dispose(&subject);
        pt_buf_dispose(&text);
        pt_buf_dispose(&html);
    }
}

/* render's phrases came from its own table, which compared the tag with
 * "ru" only: now the one rule holds there too, and the rows read as before. */
Test(i18n_rendered, page_phrases_follow_the_one_rule)
{
    const struct pt_currency *usd = pt_money_currency("USD");
    struct pt_amount_ladder ladder;
    pt_money_standard_ladder(PT_FREQUENCY_MONTHLY, usd, &ladder);
    const char *tags[] = {"en", "ru", "ru-RU", "de"};
    const bool russian[] = {false, true, true, false};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        struct pt_buf buf;
        pt_buf_init(&buf);
        pt_render_amounts(&buf, "c", PT_FREQUENCY_MONTHLY, &ladder, ladder.default_amount, false,
                          usd, tags[i]);
        const char *legend = russian[i] ? "<legend>Сумма</legend>" : "<legend>Amount</legend>";
        const char *other = russian[i] ? "Другая</label>" : "Other</label>";
        cr_assert(strstr(buf.data, legend) != NULL, "%s: %s", tags[i], buf.data);
        cr_assert(strstr(buf.data, other) != NULL, "%s: %s", tags[i], buf.data);
        pt_buf_reset(&buf);
        pt_render_embed_document(&buf, tags[i], "", "https://x");
        const char *title = russian[i] ? "<title>Обращение редакции</title>"
                                       : "<title>A message from the newsroom</title>";
        cr_assert(strstr(buf.data, title) != NULL, "%s: %s", tags[i], buf.data);
        pt_buf_dispose(&buf);
    }
    cr_assert_str_eq(pt_i18n_text(PT_MSG_PAGE_REGION_LABEL, pt_i18n_lang("ru-RU")),
                     "Обращение редакции");
    cr_assert_str_eq(pt_i18n_text(PT_MSG_PAGE_TRUST_BY, PT_LANG_EN),
                     "Secure payment by %s \u00b7 change or cancel at any time");
}

/* CLDR's cardinal rules for whole numbers, at the edges where they turn. */
Test(i18n, plural_forms_follow_cldr)
{
    static const struct {
        enum pt_lang lang;
        unsigned long long n;
        const char *articles;
    } cases[] = {
        {PT_LANG_EN, 0, "articles"},  {PT_LANG_EN, 1, "article"},   {PT_LANG_EN, 2, "articles"},
        {PT_LANG_EN, 11, "articles"}, {PT_LANG_EN, 21, "articles"}, {PT_LANG_EN, 101, "articles"},
        {PT_LANG_RU, 0, "статей"},    {PT_LANG_RU, 1, "статью"},    {PT_LANG_RU, 2, "статьи"},
        {PT_LANG_RU, 4, "статьи"},    {PT_LANG_RU, 5, "статей"},    {PT_LANG_RU, 11, "статей"},
        {PT_LANG_RU, 12, "статей"},   {PT_LANG_RU, 14, "статей"},   {PT_LANG_RU, 20, "статей"},
        {PT_LANG_RU, 21, "статью"},   {PT_LANG_RU, 22, "статьи"},   {PT_LANG_RU, 25, "статей"},
        {PT_LANG_RU, 101, "статью"},  {PT_LANG_RU, 111, "статей"},  {PT_LANG_RU, 112, "статей"},
        {PT_LANG_RU, 122, "статьи"},  {PT_LANG_RU, 1001, "статью"}, {PT_LANG_RU, 1000000, "статей"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t length;
        const char *form =
            pt_i18n_plural_form(PT_MSG_COUNT_ARTICLES, cases[i].lang, cases[i].n, &length);
        cr_assert(length == strlen(cases[i].articles) &&
                      memcmp(form, cases[i].articles, length) == 0,
                  "%llu in %s: %.*s", cases[i].n, pt_i18n_code(cases[i].lang), (int)length, form);
    }
    /* Every count phrase has as many forms as its language's rule names. */
    static const enum pt_msg phrases[] = {PT_MSG_COUNT_ARTICLES, PT_MSG_COUNT_WEEKS};
    static const size_t forms[PT_LANG_COUNT] = {[PT_LANG_EN] = 2, [PT_LANG_RU] = 3};
    for (size_t p = 0; p < 2; p++) {
        for (int lang = 0; lang < PT_LANG_COUNT; lang++) {
            size_t bars = 0;
            for (const char *c = pt_i18n_text(phrases[p], (enum pt_lang)lang); *c; c++)
                bars += *c == '|';
            cr_assert_eq(bars + 1, forms[lang], "phrase %d in %s", phrases[p],
                         pt_i18n_code((enum pt_lang)lang));
        }
    }
}

/* Numbers grouped as each language writes them, with no allocation; a
 * buffer too small is cut, never overrun. */
Test(i18n, numbers_are_grouped_as_the_language_groups_them)
{
    char out[PT_I18N_NUMBER_MAX];
    cr_assert_eq(pt_i18n_write_number(out, sizeof(out), 0, PT_LANG_EN), 1);
    cr_assert_str_eq(out, "0");
    pt_i18n_write_number(out, sizeof(out), 999, PT_LANG_RU);
    cr_assert_str_eq(out, "999");
    pt_i18n_write_number(out, sizeof(out), 1234567, PT_LANG_EN);
    cr_assert_str_eq(out, "1,234,567");
    pt_i18n_write_number(out, sizeof(out), 1234, PT_LANG_RU);
    cr_assert_str_eq(out, "1\u00a0234");
    pt_i18n_write_number(out, sizeof(out), 18446744073709551615ull, PT_LANG_RU);
    cr_assert_str_eq(out, "18\u00a0446\u00a0744\u00a0073\u00a0709\u00a0551\u00a0615");
    char small[5];
    cr_assert_eq(pt_i18n_write_number(small, sizeof(small), 123456, PT_LANG_EN), 4);
    cr_assert_str_eq(small, "123,");
}
