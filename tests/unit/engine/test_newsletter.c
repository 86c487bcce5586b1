/* The newsletter appeal (newsletter.h): which campaign and variant a
 * newsletter gets, and its HTML and plain text, from a real catalogue. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/catalog.h"
#include "patron/newsletter.h"

#define BASE "https://support.example.org"

static const struct pt_catalog_settings settings = {BASE, "EUR", "'self'", false, NULL, NULL};

/* Live from 2026-01-01 to 2026-12-31 (1767225600 to 1798761599). */
static const char *const letter =
    "{\"id\":\"letter\",\"status\":\"live\",\"languages\":[\"en\",\"ru\"],\"currency\":\"EUR\","
    "\"starts_at\":\"2026-01-01T00:00:00Z\",\"ends_at\":\"2026-12-31T23:59:59Z\","
    "\"variants\":["
    "{\"id\":\"quiet\",\"weight\":0,\"text\":{\"en\":{\"headline\":\"Quiet\"},"
    "\"ru\":{\"headline\":\"Тихо\"}}},"
    "{\"id\":\"main\",\"weight\":2,\"frequencies\":[\"monthly\",\"annual\"],"
    "\"default_frequency\":\"annual\",\"presets\":[5000,12000],"
    "\"amounts\":{\"monthly\":{\"presets\":[300,1250]}},"
    "\"text\":{\"en\":{\"headline\":\"Keep <us> & them\",\"support\":\"Join\","
    "\"body\":\"Read **this**.\\n\\n![pixel](https://tracker.example.net/p.gif) "
    "[relative](/about) [js](javascript:alert(1)) [ours](https://news.example.org/why) "
    "[write](mailto:desk@example.org) <script>x()</script>\\n\\n- one\\n- two\"},"
    "\"ru\":{\"headline\":\"Помогите\",\"body\":\"Каждый **важен**.\"}}}]}";
static const char *const drafted =
    "{\"id\":\"drafted\",\"status\":\"draft\",\"languages\":[\"en\"],"
    "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}";
static const char *const stopped =
    "{\"id\":\"stopped\",\"status\":\"ended\",\"languages\":[\"en\"],"
    "\"variants\":[{\"id\":\"a\",\"text\":{\"en\":{}}}]}";
static const char *const plain = "{\"id\":\"plain\",\"status\":\"live\",\"languages\":[\"en\"],"
                                 "\"currency\":\"USD\",\"variants\":[{\"id\":\"a\","
                                 "\"frequencies\":[\"one_off\"],\"text\":{\"en\":{}}}]}";

static const int64_t june = 1780000000; /* 2026-05-28 */

static struct pt_catalog *catalog;

static void build(void)
{
    const char *documents[] = {letter, drafted, stopped, plain};
    char error[512] = "";
    cr_assert_eq(pt_catalog_build(documents, 4, &settings, 1, &catalog, error, sizeof(error)),
                 PT_OK, "%s", error);
}

static void release(void)
{
    pt_catalog_release(catalog);
}

TestSuite(newsletter, .init = build, .fini = release);

static enum pt_newsletter_refusal choose(const char *campaign, const char *variant,
                                         const char *language, int64_t now,
                                         struct pt_newsletter_choice *choice)
{
    return pt_newsletter_choose(catalog, campaign, variant, language, now, choice);
}

Test(newsletter, the_first_variant_with_a_weight_unless_one_is_named)
{
    struct pt_newsletter_choice choice;
    cr_assert_eq(choose("letter", NULL, "en", june, &choice), PT_NEWSLETTER_OK);
    cr_assert_str_eq(choice.variant->id, "main", "quiet has weight 0: the site never shows it");
    cr_assert_str_eq(choice.text->language, "en");
    cr_assert_eq(choose("letter", "quiet", "RU", june, &choice), PT_NEWSLETTER_OK);
    cr_assert_str_eq(choice.variant->id, "quiet", "named, even with weight 0");
    cr_assert_str_eq(choice.text->language, "ru", "tags match without regard to case");
    cr_assert_str_eq(choice.text->headline, "Тихо");
}

Test(newsletter, refusals_say_why)
{
    struct pt_newsletter_choice choice;
    cr_assert_eq(choose("nope", NULL, "en", june, &choice), PT_NEWSLETTER_UNKNOWN_CAMPAIGN);
    cr_assert_eq(choose("../x", NULL, "en", june, &choice), PT_NEWSLETTER_UNKNOWN_CAMPAIGN);
    cr_assert_eq(choose(NULL, NULL, "en", june, &choice), PT_NEWSLETTER_UNKNOWN_CAMPAIGN);
    cr_assert_null(choice.campaign);
    cr_assert_eq(choose("drafted", NULL, "en", june, &choice), PT_NEWSLETTER_DRAFT);
    cr_assert_eq(choose("stopped", NULL, "en", june, &choice), PT_NEWSLETTER_ENDED);
    cr_assert_eq(choose("letter", NULL, "en", 1767225599, &choice), PT_NEWSLETTER_NOT_STARTED);
    cr_assert_eq(choose("letter", NULL, "en", 1767225600, &choice), PT_NEWSLETTER_OK);
    cr_assert_eq(choose("letter", NULL, "en", 1798761599, &choice), PT_NEWSLETTER_OK);
    cr_assert_eq(choose("letter", NULL, "en", 1798761600, &choice), PT_NEWSLETTER_ENDED);
    cr_assert_eq(choose("letter", "zzz", "en", june, &choice), PT_NEWSLETTER_UNKNOWN_VARIANT);
    cr_assert_eq(choose("letter", "Main!", "en", june, &choice), PT_NEWSLETTER_UNKNOWN_VARIANT);
    cr_assert_eq(choose("letter", NULL, "de", june, &choice), PT_NEWSLETTER_LANGUAGE);
    cr_assert_eq(choose("letter", NULL, NULL, june, &choice), PT_NEWSLETTER_LANGUAGE);
}

static char *render(const char *campaign, const char *variant, const char *language,
                    enum pt_newsletter_format format, const char *accent)
{
    struct pt_newsletter_choice choice;
    cr_assert_eq(choose(campaign, variant, language, june, &choice), PT_NEWSLETTER_OK);
    struct pt_appeal_content content;
    cr_assert(pt_newsletter_content(&choice, &content));
    struct pt_buf out;
    pt_buf_init(&out);
    pt_newsletter_render(&out, format, choice.campaign->id, choice.variant->id,
                         choice.text->language, &content, BASE, accent);
    return pt_buf_take(&out, NULL);
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        count++;
    return count;
}

/* The href values of the HTML, with &amp; read back, joined by newlines. */
static void hrefs(const char *html, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = strstr(html, "href=\""); p != NULL; p = strstr(p, "href=\"")) {
        p += 6;
        const char *end = strchr(p, '"');
        cr_assert_not_null(end);
        for (const char *c = p; c < end; c++) {
            cr_assert_lt(used + 2, size);
            if (strncmp(c, "&amp;", 5) == 0) {
                out[used++] = '&';
                c += 4;
            } else {
                out[used++] = *c;
            }
        }
        out[used++] = '\n';
        out[used] = '\0';
    }
}

/* The URLs of the plain text (each ends at a space, a newline or ')'),
 * joined by newlines. */
static void text_urls(const char *text, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = text; (p = strstr(p, "://")) != NULL;) {
        const char *start = p;
        while (start > text && start[-1] >= 'a' && start[-1] <= 'z')
            start--;
        size_t length = strcspn(start, " \n)");
        cr_assert_lt(used + length + 2, size);
        memcpy(out + used, start, length);
        used += length;
        out[used++] = '\n';
        out[used] = '\0';
        p = start + length;
    }
}

Test(newsletter, html_is_email_safe_and_every_link_carries_the_appeal)
{
    char *html = render("letter", NULL, "en", PT_NEWSLETTER_HTML, "#7a1f1f");
    static const char *const banned[] = {
        "<script", "<style", "<form",  "<input",      "<button", "<img",
        "<link",   "src=",   "class=", "javascript:", "tracker", "/about\""};
    for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
        cr_assert_null(strstr(html, banned[i]), "%s in %s", banned[i], html);
    cr_assert(strncmp(html, "<table role=\"presentation\"", 26) == 0);
    cr_assert(strstr(html, "Keep &lt;us&gt; &amp; them") != NULL, "the headline is escaped");
    cr_assert(strstr(html, "<strong>this</strong>") != NULL, "markdown is rendered");
    cr_assert(strstr(html, "pixel") != NULL && strstr(html, "relative") != NULL,
              "a dropped image or link keeps its words");
    cr_assert(strstr(html, "<a href=\"https://news.example.org/why\">ours</a>") != NULL,
              "an absolute link the editor wrote stays");
    cr_assert(strstr(html, "mailto:desk@example.org") != NULL);
    cr_assert(strstr(html, "background-color:#7a1f1f") != NULL, "the accent colours the button");
    cr_assert(strstr(html, ">Join</a>") != NULL, "the editor's support words");

    char links[8192];
    hrefs(html, links, sizeof(links));
    /* Annual first (the default), then monthly: two presets and "other" each,
     * then the button. */
    const char *expected = "https://news.example.org/why\n"
                           "mailto:desk@example.org\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=annual&amount_annual=50\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=annual&amount_annual=120\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=annual&amount_annual=other\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=monthly&amount_monthly=3\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=monthly&amount_monthly=12.50\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=monthly&amount_monthly=other\n" BASE
                           "/support?campaign=letter&variant=main&lang=en&source=email&currency=EUR"
                           "&frequency=annual\n";
    cr_assert_str_eq(links, expected);
    cr_assert(strstr(html, ">€12.50</a>") != NULL, "%s", html);
    cr_assert_lt(strstr(html, "Yearly"), strstr(html, "Monthly"), "the default frequency first");
    free(html);
}

Test(newsletter, the_text_twin_has_the_same_links_and_plain_words)
{
    char *html = render("letter", NULL, "en", PT_NEWSLETTER_HTML, NULL);
    char *text = render("letter", NULL, "en", PT_NEWSLETTER_TEXT, NULL);
    char from_html[8192], from_text[8192];
    hrefs(html, from_html, sizeof(from_html));
    text_urls(text, from_text, sizeof(from_text));
    /* mailto: has no "://"; the rest match in order. */
    char *mailto = strstr(from_html, "mailto:desk@example.org\n");
    cr_assert_not_null(mailto);
    memmove(mailto, mailto + strlen("mailto:desk@example.org\n"),
            strlen(mailto + strlen("mailto:desk@example.org\n")) + 1);
    cr_assert_str_eq(from_text, from_html);
    /* Plain text is not escaped: the headline as written, then no markup. */
    cr_assert(strncmp(text, "Keep <us> & them\n\n", 18) == 0, "%s", text);
    cr_assert_null(strchr(text + 18, '<'), "no markup: %s", text);
    cr_assert_null(strstr(text, "&amp;"), "%s", text);
    cr_assert(strstr(text, "Read this.\n\n") != NULL, "%s", text);
    cr_assert(strstr(text, "ours (https://news.example.org/why)") != NULL, "%s", text);
    cr_assert(strstr(text, "- one\n- two\n") != NULL, "%s", text);
    cr_assert(strstr(text, "\nYearly\n€50: " BASE "/support?") != NULL, "%s", text);
    cr_assert(strstr(text, "\nOther amount: " BASE) != NULL, "%s", text);
    cr_assert(strstr(text, "\n\nJoin: " BASE "/support?campaign=letter&variant=main&lang=en"
                           "&source=email&currency=EUR&frequency=annual\n") != NULL,
              "%s", text);
    cr_assert_eq(text[strlen(text) - 1], '\n');
    free(html);
    free(text);
}

Test(newsletter, russian_words_and_amounts)
{
    char *html = render("letter", NULL, "ru", PT_NEWSLETTER_HTML, NULL);
    cr_assert(strstr(html, "lang=\"ru\"") != NULL);
    cr_assert(strstr(html, "Выберите сумму:") != NULL);
    cr_assert(strstr(html, "Ежегодно") != NULL && strstr(html, "Ежемесячно") != NULL);
    cr_assert(strstr(html, "Другая сумма") != NULL);
    cr_assert(strstr(html, ">Поддержать</a>") != NULL, "the standard phrase when none is written");
    cr_assert(strstr(html, "12,50") != NULL, "as a Russian reader writes it: %s", html);
    cr_assert(strstr(html, "amount_monthly=12.50") != NULL, "as the form field carries it");
    cr_assert_eq(occurrences(html, "&amp;lang=ru&amp;"), 7);
    cr_assert(strstr(html, "#0b5cad") != NULL, "no accent: the default");
    free(html);
    char *text = render("letter", NULL, "ru", PT_NEWSLETTER_TEXT, NULL);
    cr_assert(strncmp(text, "Помогите\n\nКаждый важен.\n\nВыберите сумму:\n", 60) == 0, "%s", text);
    free(text);
}

Test(newsletter, no_amounts_means_only_the_button)
{
    char *html = render("plain", NULL, "en", PT_NEWSLETTER_HTML, "not a colour\" onclick=\"x");
    cr_assert_null(strstr(html, "Choose an amount"));
    cr_assert_null(strstr(html, "onclick"), "an accent that is not #rrggbb is not written");
    cr_assert_eq(occurrences(html, "href="), 1);
    cr_assert(strstr(html, "frequency=one_off\"") != NULL, "%s", html);
    cr_assert(strstr(html, "A message from the newsroom") != NULL, "a headline even when none");
    free(html);
    char *text = render("plain", NULL, "en", PT_NEWSLETTER_TEXT, NULL);
    cr_assert_str_eq(text, "A message from the newsroom\n\nSupport us: " BASE
                           "/support?campaign=plain&variant=a&lang=en&source=email"
                           "&currency=USD&frequency=one_off\n");
    free(text);
}

/* An email cannot know how much its reader read on the site. */
Test(newsletter, a_variant_that_counts_articles_is_not_emailed)
{
    const char *counting =
        "{\"id\":\"counting\",\"status\":\"live\",\"languages\":[\"en\"],"
        "\"articles_read\":{\"weeks\":4,\"min\":2},\"variants\":["
        "{\"id\":\"count\",\"text\":{\"en\":{\"headline\":\"You read {articles}\"}}},"
        "{\"id\":\"plain\",\"text\":{\"en\":{\"headline\":\"Four weeks: {weeks}\"}}}]}";
    const char *only = "{\"id\":\"only\",\"status\":\"live\",\"languages\":[\"en\"],"
                       "\"articles_read\":{\"weeks\":4},\"variants\":[{\"id\":\"count\","
                       "\"text\":{\"en\":{\"body\":\"{articles}!\"}}}]}";
    const char *documents[] = {counting, only};
    struct pt_catalog *mine = NULL;
    char message[512] = "";
    cr_assert_eq(pt_catalog_build(documents, 2, &settings, 1, &mine, message, sizeof(message)),
                 PT_OK, "%s", message);
    struct pt_newsletter_choice choice;
    /* Unnamed: the first variant that does not count. */
    cr_assert_eq(pt_newsletter_choose(mine, "counting", NULL, "en", june, &choice),
                 PT_NEWSLETTER_OK);
    cr_assert_str_eq(choice.variant->id, "plain");
    cr_assert_str_eq(choice.text->headline, "Four weeks: 4\u00a0weeks");
    /* Named, or the only one: refused, naming the variant. */
    cr_assert_eq(pt_newsletter_choose(mine, "counting", "count", "en", june, &choice),
                 PT_NEWSLETTER_COUNTS_ARTICLES);
    cr_assert_str_eq(choice.variant->id, "count");
    cr_assert_eq(pt_newsletter_choose(mine, "only", NULL, "en", june, &choice),
                 PT_NEWSLETTER_COUNTS_ARTICLES);
    cr_assert_str_eq(choice.variant->id, "count");
    pt_catalog_release(mine);
}
