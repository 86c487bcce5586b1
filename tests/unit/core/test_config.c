/* The configuration file: defaults, values, and errors that name the line. */
#include <criterion/criterion.h>
#include <string.h>

#include "patron/config.h"

static struct pt_config config;
static char error[600];

static void setup(void)
{
    pt_config_init(&config);
    error[0] = '\0';
}

static void teardown(void)
{
    pt_config_dispose(&config);
}

TestSuite(config, .init = setup, .fini = teardown);

Test(config, every_key_has_a_default)
{
    cr_assert_str_eq(config.listen, "127.0.0.1");
    cr_assert_eq(config.port, 8080);
    cr_assert_eq(config.body_limit, 65536);
    cr_assert_eq(config.snooze_max_days, 400);
    cr_assert_str_eq(config.currency, "USD");
    cr_assert_eq(config.max_amount, 2000);
    cr_assert_str_eq(config.admin_token, "");
    cr_assert(config.log_requests);
    cr_assert_not(config.demo_pages);
}

Test(config, the_example_file_parses_and_matches_the_defaults)
{
    cr_assert_eq(pt_config_load(&config, PT_SOURCE_ROOT "/patron.conf.example", error,
                                sizeof(error)),
                 PT_OK, "%s", error);
    struct pt_config defaults;
    pt_config_init(&defaults);
    cr_assert_eq(config.port, defaults.port);
    cr_assert_str_eq(config.public_url, defaults.public_url);
    cr_assert_str_eq(config.frame_ancestors, defaults.frame_ancestors);
    cr_assert_eq(config.events_flush_interval_ms, defaults.events_flush_interval_ms);
    pt_config_dispose(&defaults);
}

Test(config, values_comments_and_blank_lines)
{
    const char *text = "# a comment\n\n  port = 9090  # trailing comment\n"
                       "listen=::1\r\nlog_requests = off\nadmin_token = "
                       "#T0k3n-w1th-a-hash-1st#and-inside/rSq9vXz2Lm8Pk4Yd7Wb+\n"
                       "public_url = https://support.example.org\n"
                       "accent_color = #7a1f1f  # a colour is a value, not a comment\n";
    cr_assert_eq(pt_config_parse(&config, "t.conf", text, error, sizeof(error)), PT_OK, "%s",
                 error);
    cr_assert_eq(config.port, 9090);
    cr_assert_str_eq(config.listen, "::1");
    cr_assert_not(config.log_requests);
    cr_assert_str_eq(config.admin_token, "#T0k3n-w1th-a-hash-1st#and-inside/rSq9vXz2Lm8Pk4Yd7Wb+");
    cr_assert_str_eq(config.public_url, "https://support.example.org");
    cr_assert_str_eq(config.accent_color, "#7a1f1f");
}

Test(config, an_unknown_key_names_the_key_and_the_line)
{
    cr_assert_eq(pt_config_parse(&config, "t.conf", "port = 1\n\nprot = 2\n", error,
                                 sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert_str_eq(error, "t.conf:3: unknown key 'prot'");
}

Test(config, bad_values_name_the_key_and_the_line)
{
    struct {
        const char *text;
        const char *expected;
    } cases[] = {
        {"port = 99999\n", "t.conf:1: 'port' must be a whole number from 0 to 65535"},
        {"\nport = 80x\n", "t.conf:2: 'port' must be a whole number"},
        {"port =\n", "t.conf:1: 'port' must be a whole number"},
        {"demo_pages = maybe\n", "t.conf:1: 'demo_pages' must be true or false"},
        {"public_url = http://x.org/\n", "t.conf:1: 'public_url' must be http:// or https://"},
        {"public_url = ftp://x.org\n", "t.conf:1: 'public_url' must be http:// or https://"},
        {"public_url = https://x.org http://x.org/\n",
         "t.conf:1: 'public_url' must be http:// or https:// addresses without a trailing "
         "slash, separated by spaces, not 'http://x.org/'"},
        {"public_url = https://x.org http://y.onion https://x.org\n",
         "t.conf:1: 'public_url' lists 'https://x.org' twice"},
        {"public_url = \n", "t.conf:1: 'public_url' needs at least one"},
        {"public_url = http://a.org http://b.org http://c.org http://d.org http://e.org "
         "http://f.org http://g.org http://h.org http://i.org\n",
         "t.conf:1: 'public_url' may list at most 8 addresses"},
        {"stripe_api_base = http://a.org http://b.org\n", "t.conf:1: 'stripe_api_base' must be"},
        {"currency = usd\n", "t.conf:1: 'currency' must be a three-letter currency code"},
        {"just words\n", "t.conf:1: expected 'key = value'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(pt_config_parse(&config, "t.conf", cases[i].text, error, sizeof(error)),
                     PT_ERR_INVALID, "%s", cases[i].text);
        cr_assert(strncmp(error, cases[i].expected, strlen(cases[i].expected)) == 0,
                  "got \"%s\", expected it to start with \"%s\"", error, cases[i].expected);
    }
}

Test(config, public_url_lists_the_primary_address_first_then_mirrors_and_the_onion)
{
    cr_assert_str_eq(config.public_url, "http://127.0.0.1:8080");
    cr_assert_eq(config.public_url_count, 1);
    cr_assert_eq(
        pt_config_parse(&config, "t.conf",
                        "public_url = https://news.example  https://mirror.example  "
                        "http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion\n"
                        "email_origin = https://news.example\n",
                        error, sizeof(error)),
        PT_OK, "%s", error);
    cr_assert_str_eq(config.public_url, "https://news.example");
    cr_assert_eq(config.public_url_count, 3);
    cr_assert_str_eq(config.public_url_list[1], "https://mirror.example");
    cr_assert_str_eq(config.public_urls,
                     "https://news.example https://mirror.example "
                     "http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion");
    cr_assert_str_eq(config.email_origin, "https://news.example");
    /* A bad list changes nothing. */
    cr_assert_eq(
        pt_config_set(&config, "public_url", "https://other.example ftp://x", error, sizeof(error)),
        PT_ERR_INVALID);
    cr_assert_str_eq(config.public_url, "https://news.example");
    cr_assert_eq(config.public_url_count, 3);
    /* One address again: the list follows. */
    cr_assert_eq(pt_config_set(&config, "public_url", "https://one.example", error, sizeof(error)),
                 PT_OK);
    cr_assert_str_eq(config.public_url, "https://one.example");
    cr_assert_str_eq(config.public_urls, "https://one.example");
    cr_assert_eq(config.public_url_count, 1);
}

Test(config, a_missing_file_is_an_io_error)
{
    cr_assert_eq(pt_config_load(&config, "/nonexistent/patron.conf", error, sizeof(error)),
                 PT_ERR_IO);
    cr_assert(strstr(error, "/nonexistent/patron.conf") != NULL);
}

Test(config, set_applies_one_key)
{
    cr_assert_eq(pt_config_set(&config, "port", "0", error, sizeof(error)), PT_OK);
    cr_assert_eq(config.port, 0);
    cr_assert_eq(pt_config_set(&config, "nope", "1", error, sizeof(error)), PT_ERR_INVALID);
    cr_assert_str_eq(error, "unknown key 'nope'");
}

Test(config, admin_token_must_be_a_long_random_secret)
{
    /* Off, or 32 random bytes' worth: base64 (with or without padding), hex. */
    static const char *const good[] = {
        "",
        "mQ3kZ8vT1xN6aR0cW5eY9uP2sL7hJ4gF1dB8nM3qK6o",
        "mQ3kZ8vT1xN6aR0cW5eY9uP2sL7hJ4gF1dB8nM3qK6o=",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_assert_eq(pt_config_set(&config, "admin_token", good[i], error, sizeof(error)), PT_OK,
                     "%s: %s", good[i], error);
    static const char *const bad[] = {
        "s3cret",
        "test-token",
        "mQ3kZ8vT1xN6aR0cW5eY9uP2sL7hJ4gF1dB8nM3qK6", /* 42 */
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abababababababababababababababababababababab",
        "mQ3kZ8vT1xN6aR0cW5eY9uP2 sL7hJ4gF1dB8nM3qK6o",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(pt_config_set(&config, "admin_token", bad[i], error, sizeof(error)),
                     PT_ERR_INVALID, "%s", bad[i]);
        cr_assert(strstr(error, "admin_token") != NULL, "%s", error);
        cr_assert(strstr(error, bad[i]) == NULL, "the value is not echoed: %s", error);
    }
    /* In a file, the line is named too. */
    cr_assert_eq(pt_config_parse(&config, "t.conf", "port = 1\nadmin_token = s3cret\n", error,
                                 sizeof(error)),
                 PT_ERR_INVALID);
    cr_assert(strstr(error, "t.conf:2:") != NULL, "%s", error);
}
