#include "patron/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"

void pt_buf_init(struct pt_buf *buf)
{
    buf->data = NULL;
    buf->length = 0;
    buf->capacity = 0;
}

void pt_buf_dispose(struct pt_buf *buf)
{
    free(buf->data);
    pt_buf_init(buf);
}

char *pt_buf_take(struct pt_buf *buf, size_t *length)
{
    if (buf->data == NULL)
        pt_buf_append(buf, "", 0);
    char *data = buf->data;
    if (length != NULL)
        *length = buf->length;
    pt_buf_init(buf);
    return data;
}

void pt_buf_reset(struct pt_buf *buf)
{
    buf->length = 0;
    if (buf->data != NULL)
        buf->data[0] = '\0';
}

static void reserve(struct pt_buf *buf, size_t more)
{
    size_t needed = buf->length + more + 1;
    if (needed <= buf->capacity)
        return;
    size_t capacity = buf->capacity ? buf->capacity : 256;
    while (capacity < needed)
        capacity *= 2;
    buf->data = pt_xrealloc(buf->data, capacity);
    buf->capacity = capacity;
}

void pt_buf_append(struct pt_buf *buf, const char *bytes, size_t length)
{
    reserve(buf, length);
    if (length > 0)
        memcpy(buf->data + buf->length, bytes, length);
    buf->length += length;
    buf->data[buf->length] = '\0';
}

void pt_buf_puts(struct pt_buf *buf, const char *string)
{
    pt_buf_append(buf, string, strlen(string));
}

void pt_buf_printf(struct pt_buf *buf, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    int needed = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (needed > 0) {
        reserve(buf, (size_t)needed);
        vsnprintf(buf->data + buf->length, (size_t)needed + 1, format, args);
        buf->length += (size_t)needed;
    }
    va_end(args);
}

void pt_buf_html(struct pt_buf *buf, const char *text, size_t length)
{
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        const char *entity = NULL;
        switch (text[i]) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        default: continue;
        }
        pt_buf_append(buf, text + start, i - start);
        pt_buf_puts(buf, entity);
        start = i + 1;
    }
    pt_buf_append(buf, text + start, length - start);
}

void pt_buf_html_str(struct pt_buf *buf, const char *text)
{
    pt_buf_html(buf, text, strlen(text));
}

static void append_json(struct pt_buf *buf, const char *text, size_t length, bool html_safe)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        char escaped[7];
        size_t escaped_length = 2;
        escaped[0] = '\\';
        switch (c) {
        case '"': escaped[1] = '"'; break;
        case '\\': escaped[1] = '\\'; break;
        case '\n': escaped[1] = 'n'; break;
        case '\r': escaped[1] = 'r'; break;
        case '\t': escaped[1] = 't'; break;
        default:
            if (c >= 0x20 && (!html_safe || (c != '<' && c != '>' && c != '&')))
                continue;
            escaped[1] = 'u';
            escaped[2] = '0';
            escaped[3] = '0';
            escaped[4] = hex[c >> 4];
            escaped[5] = hex[c & 15];
            escaped_length = 6;
        }
        pt_buf_append(buf, text + start, i - start);
        pt_buf_append(buf, escaped, escaped_length);
        start = i + 1;
    }
    pt_buf_append(buf, text + start, length - start);
}

void pt_buf_json(struct pt_buf *buf, const char *text, size_t length)
{
    append_json(buf, text, length, true);
}

void pt_buf_json_answer(struct pt_buf *buf, const char *text, size_t length)
{
    append_json(buf, text, length, false);
}

void pt_buf_json_str(struct pt_buf *buf, const char *text)
{
    pt_buf_append(buf, "\"", 1);
    pt_buf_json(buf, text, strlen(text));
    pt_buf_append(buf, "\"", 1);
}

void pt_buf_url(struct pt_buf *buf, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            pt_buf_append(buf, (const char *)p, 1);
        } else {
            char encoded[3] = {'%', hex[c >> 4], hex[c & 15]};
            pt_buf_append(buf, encoded, 3);
        }
    }
}

bool pt_utf8_valid(const char *bytes, size_t length)
{
    const unsigned char *s = (const unsigned char *)bytes;
    size_t i = 0;
    while (i < length) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t extra;
        uint32_t code;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            code = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            code = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            code = c & 0x07;
        } else {
            return false;
        }
        if (length - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (s[i + k] & 0x3F);
        }
        if ((extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000) || code > 0x10FFFF ||
            (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}
