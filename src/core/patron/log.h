/* patron's one log: lines on standard error, for the operator.
 *
 * Every line is written whole with one write(2), so that threads never
 * interleave, and control characters and backslashes in it are escaped
 * (\xNN), so that no outside text in a message (a path, an event id, a
 * database error quoting input) can forge a line or move the terminal.
 * Under systemd (JOURNAL_STREAM set) each line starts with its syslog
 * priority, "<3>" and so on, which journald reads as the line's level.
 * Nothing here allocates: it is safe when memory has run out. */
#ifndef PATRON_LOG_H
#define PATRON_LOG_H

#include <stddef.h>

/* The syslog priorities, so that journald needs no table. */
enum pt_log_level {
    PT_LOG_ERROR = 3,   /* something failed that the operator must see */
    PT_LOG_WARNING = 4, /* degraded, will retry, or refused */
    PT_LOG_INFO = 6,    /* start, stop, what was done (and request lines) */
    PT_LOG_DEBUG = 7,
};

/* Writes "patron: " and the formatted message as one line, when level is
 * at or above the threshold. A message longer than a line's room (4 KB)
 * ends with "...". */
void pt_log(enum pt_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Writes one line of count words separated by single spaces, without the
 * "patron: " prefix, each word escaped so that it holds no space either:
 * for lines that tools split into fields, such as the request log. */
void pt_log_words(enum pt_log_level level, const char *const *words, size_t count);

/* Lines less important than level are dropped (PT_LOG_INFO by default).
 * Set once at start, before other threads run. */
void pt_log_set_threshold(enum pt_log_level level);

/* Escapes text as pt_log does into out (size > 4), ending with "..." when
 * it does not fit. For callers that build a line from parts. */
void pt_log_escape(char *out, size_t size, const char *text);
/* The same, escaping spaces too. */
void pt_log_escape_word(char *out, size_t size, const char *text);

#endif
