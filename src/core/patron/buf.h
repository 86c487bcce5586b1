/* A growable byte buffer, and the escaping writers that fill it.
 *
 * Every response patron builds by hand goes through these writers, so that
 * escaping lives in one place and is tested once. */
#ifndef PATRON_BUF_H
#define PATRON_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct pt_buf {
    char *data;      /* always NUL-terminated when non-NULL; owned by the buffer */
    size_t length;   /* bytes written, without the terminating NUL */
    size_t capacity; /* bytes allocated */
};

void pt_buf_init(struct pt_buf *buf);
void pt_buf_dispose(struct pt_buf *buf);
/* Hands the bytes to the caller (free() them); the buffer is empty after. */
char *pt_buf_take(struct pt_buf *buf, size_t *length);
void pt_buf_reset(struct pt_buf *buf);
void pt_buf_append(struct pt_buf *buf, const char *bytes, size_t length);
void pt_buf_puts(struct pt_buf *buf, const char *string);
void pt_buf_printf(struct pt_buf *buf, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Text made safe for HTML element content and quoted attribute values. */
void pt_buf_html(struct pt_buf *buf, const char *text, size_t length);
void pt_buf_html_str(struct pt_buf *buf, const char *text);
/* The contents of a JSON string (without the quotes); text must be UTF-8.
 * Also escapes '<', '>' and '&' so the result is safe inside a <script>. */
void pt_buf_json(struct pt_buf *buf, const char *text, size_t length);
/* The same, with < > & as they are: for a body served as application/json
 * (never inside an HTML page's script element), where escaping them would
 * add five bytes each, and an appeal's fragment is mostly tags. */
void pt_buf_json_answer(struct pt_buf *buf, const char *text, size_t length);
/* A quoted JSON string. */
void pt_buf_json_str(struct pt_buf *buf, const char *text);
/* Percent-encoding for a URL query value. */
void pt_buf_url(struct pt_buf *buf, const char *text);

/* True when the bytes are well-formed UTF-8 (no overlongs, no surrogates). */
bool pt_utf8_valid(const char *bytes, size_t length);

#endif
