/* The escapers every response goes through. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "patron/buf.h"

static char *html(const char *text)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_buf_html_str(&buf, text);
    return pt_buf_take(&buf, NULL);
}

static char *json(const char *text, size_t length)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_buf_json(&buf, text, length);
    return pt_buf_take(&buf, NULL);
}

Test(escape, html_escapes_the_five_characters)
{
    char *out = html("<a href=\"x\" title='y'>Tom & Jerry</a>");
    cr_assert_str_eq(out, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;");
    free(out);
}

Test(escape, html_leaves_utf8_and_plain_text_alone)
{
    char *out = html("Поддержите нас — €5");
    cr_assert_str_eq(out, "Поддержите нас — €5");
    free(out);
    out = html("");
    cr_assert_str_eq(out, "");
    free(out);
}

Test(escape, json_escapes_quotes_controls_and_script_breakers)
{
    char *out = json("a\"b\\c\nd\te\x01</script>&", strlen("a\"b\\c\nd\te\x01</script>&"));
    cr_assert_str_eq(out, "a\\\"b\\\\c\\nd\\te\\u0001\\u003c/script\\u003e\\u0026");
    free(out);
}

Test(escape, json_for_an_answer_keeps_tags_and_escapes_the_rest)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    const char text[] = "<p class=\"x\">a&amp;b\\\n\x01</p>";
    pt_buf_json_answer(&buf, text, strlen(text));
    cr_assert_str_eq(buf.data, "<p class=\\\"x\\\">a&amp;b\\\\\\n\\u0001</p>");
    pt_buf_dispose(&buf);
}

Test(escape, json_keeps_embedded_nul_escaped)
{
    char *out = json("a\0b", 3);
    cr_assert_str_eq(out, "a\\u0000b");
    free(out);
}

Test(escape, url_encoding)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    pt_buf_url(&buf, "a b&c=d/é~");
    cr_assert_str_eq(buf.data, "a%20b%26c%3Dd%2F%C3%A9~");
    pt_buf_dispose(&buf);
}

Test(utf8, accepts_well_formed_text)
{
    const char *samples[] = {"", "plain", "Привет", "€", "𝄞 music", "日本語"};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        cr_assert(pt_utf8_valid(samples[i], strlen(samples[i])), "%s", samples[i]);
}

Test(utf8, refuses_malformed_text)
{
    const char *samples[] = {
        "\xff",         /* never valid */
        "\xc3",         /* truncated */
        "\xc0\xaf",     /* overlong '/' */
        "\xe0\x80\xaf", /* overlong */
        "\xed\xa0\x80", /* a surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "a\x80",        /* a lone continuation byte */
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        cr_assert_not(pt_utf8_valid(samples[i], strlen(samples[i])), "sample %zu", i);
}

Test(buf, printf_and_take)
{
    struct pt_buf buf;
    pt_buf_init(&buf);
    for (int i = 0; i < 1000; i++)
        pt_buf_printf(&buf, "%d,", i);
    size_t length = 0;
    char *out = pt_buf_take(&buf, &length);
    cr_assert_eq(length, strlen(out));
    cr_assert(strncmp(out, "0,1,2,", 6) == 0);
    cr_assert(strstr(out, "999,") != NULL);
    cr_assert_null(buf.data);
    free(out);
}
