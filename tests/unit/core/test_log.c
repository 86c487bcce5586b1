/* The log: one escaped line per message, levels, the journal's prefix. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patron/log.h"

/* Runs pt_log's output into a file for the length of one test. */
static char captured_path[64];
static int saved_stderr = -1;

static void capture(void)
{
    snprintf(captured_path, sizeof(captured_path), "/tmp/patron-test-log-XXXXXX");
    int fd = mkstemp(captured_path);
    cr_assert(fd >= 0);
    saved_stderr = dup(STDERR_FILENO);
    cr_assert(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
}

/* What was written since capture(); the caller frees it. */
static char *captured(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    FILE *file = fopen(captured_path, "rb");
    cr_assert_not_null(file);
    static char text[16384];
    size_t length = fread(text, 1, sizeof(text) - 1, file);
    text[length] = '\0';
    fclose(file);
    unlink(captured_path);
    return strdup(text);
}

Test(log, a_message_is_one_line_with_the_prefix)
{
    unsetenv("JOURNAL_STREAM");
    capture();
    pt_log(PT_LOG_INFO, "listening on %s port %d", "127.0.0.1", 8080);
    char *text = captured();
    cr_assert_str_eq(text, "patron: listening on 127.0.0.1 port 8080\n");
    free(text);
}

Test(log, outside_text_cannot_forge_a_line_or_reach_the_terminal)
{
    unsetenv("JOURNAL_STREAM");
    capture();
    pt_log(PT_LOG_WARNING, "event %s refused", "evt_1\npatron: forged\x1b[2J\\x41");
    char *text = captured();
    cr_assert_str_eq(text, "patron: event evt_1\\x0apatron: forged\\x1b[2J\\x5cx41 refused\n");
    free(text);
}

Test(log, lines_below_the_threshold_are_dropped)
{
    unsetenv("JOURNAL_STREAM");
    capture();
    pt_log_set_threshold(PT_LOG_WARNING);
    pt_log(PT_LOG_INFO, "quiet");
    pt_log(PT_LOG_ERROR, "loud");
    pt_log_set_threshold(PT_LOG_INFO);
    char *text = captured();
    cr_assert_str_eq(text, "patron: loud\n");
    free(text);
}

Test(log, under_the_journal_a_line_carries_its_priority)
{
    setenv("JOURNAL_STREAM", "8:12345", 1);
    capture();
    pt_log(PT_LOG_ERROR, "the database cannot be written");
    pt_log(PT_LOG_INFO, "stopped");
    char *text = captured();
    cr_assert_str_eq(text, "<3>patron: the database cannot be written\n<6>patron: stopped\n");
    free(text);
}

Test(log, a_long_message_is_cut_with_an_ellipsis)
{
    unsetenv("JOURNAL_STREAM");
    char *long_text = malloc(10000);
    memset(long_text, 'a', 9999);
    long_text[9999] = '\0';
    capture();
    pt_log(PT_LOG_INFO, "%s", long_text);
    char *text = captured();
    size_t length = strlen(text);
    cr_assert_lt(length, 4200);
    cr_assert_str_eq(text + length - 4, "...\n");
    cr_assert_eq(strncmp(text, "patron: aaaa", 12), 0);
    free(text);
    free(long_text);
}

Test(log, words_stay_words_whatever_they_hold)
{
    unsetenv("JOURNAL_STREAM");
    capture();
    const char *words[] = {"GET", "/a b\n200 1us", NULL, "404"};
    pt_log_words(PT_LOG_INFO, words, 4);
    char *text = captured();
    cr_assert_str_eq(text, "GET /a\\x20b\\x0a200\\x201us - 404\n");
    free(text);
}
