#include "patron/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LINE_MAX_BYTES = 4096 };

static atomic_int threshold = PT_LOG_INFO;

void pt_log_set_threshold(enum pt_log_level level)
{
    atomic_store_explicit(&threshold, (int)level, memory_order_relaxed);
}

static void escape(char *out, size_t size, const char *text, bool spaces)
{
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)(text ? text : "-"); *p; p++) {
        bool plain = *p >= 0x20 && *p != 0x7f && *p != '\\' && (!spaces || *p != ' ');
        size_t need = plain ? 1 : 4;
        if (used + need + 4 > size) {
            memcpy(out + used, "...", 3);
            used += 3;
            break;
        }
        if (plain)
            out[used++] = (char)*p;
        else
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", *p);
    }
    out[used] = '\0';
}

void pt_log_escape(char *out, size_t size, const char *text)
{
    escape(out, size, text, false);
}

void pt_log_escape_word(char *out, size_t size, const char *text)
{
    escape(out, size, text, true);
}

/* journald sets JOURNAL_STREAM for a service whose standard error is the
 * journal; there a "<N>" prefix gives the line its priority. */
static bool to_journal(void)
{
    static atomic_int known = -1;
    int value = atomic_load_explicit(&known, memory_order_relaxed);
    if (value < 0) {
        value = getenv("JOURNAL_STREAM") != NULL;
        atomic_store_explicit(&known, value, memory_order_relaxed);
    }
    return value != 0;
}

static void write_all(const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, data, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return; /* nowhere left to say it */
        data += written;
        length -= (size_t)written;
    }
}

static bool quiet(enum pt_log_level level)
{
    return (int)level > atomic_load_explicit(&threshold, memory_order_relaxed);
}

void pt_log_words(enum pt_log_level level, const char *const *words, size_t count)
{
    if (quiet(level))
        return;
    char line[LINE_MAX_BYTES + 16];
    size_t used = to_journal() ? (size_t)snprintf(line, sizeof(line), "<%d>", (int)level) : 0;
    for (size_t i = 0; i < count && used + 8 < sizeof(line); i++) {
        if (i > 0)
            line[used++] = ' ';
        escape(line + used, sizeof(line) - used - 1, words[i], true);
        used += strlen(line + used);
    }
    line[used++] = '\n';
    write_all(line, used);
}

void pt_log(enum pt_log_level level, const char *format, ...)
{
    if (quiet(level))
        return;
    char message[LINE_MAX_BYTES];
    va_list args;
    va_start(args, format);
    int formatted = vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (formatted >= (int)sizeof(message))
        memcpy(message + sizeof(message) - 4, "...", 4); /* say it was cut */

    char line[LINE_MAX_BYTES + 16];
    int start = to_journal() ? snprintf(line, sizeof(line), "<%d>", (int)level) : 0;
    start += snprintf(line + start, sizeof(line) - (size_t)start, "patron: ");
    pt_log_escape(line + start, sizeof(line) - (size_t)start - 1, message);
    size_t length = strlen(line);
    line[length++] = '\n';
    write_all(line, length);
}
