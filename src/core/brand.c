#include "patron/brand.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/buf.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The relative luminance of one sRGB channel (WCAG 2). */
static double channel(int value)
{
    double c = value / 255.0;
    return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double pt_brand_contrast_with_white(const char *color)
{
    if (color == NULL || strlen(color) != 7 || color[0] != '#')
        return 0;
    int rgb[3];
    for (int i = 0; i < 3; i++) {
        int high = hex_digit(color[1 + 2 * i]), low = hex_digit(color[2 + 2 * i]);
        if (high < 0 || low < 0)
            return 0;
        rgb[i] = high * 16 + low;
    }
    double luminance =
        0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
    return 1.05 / (luminance + 0.05);
}

/* The media type of an image from its first bytes; NULL for anything else.
 * SVG is recognised by its root element, after an optional XML declaration,
 * comments and blank space. */
static const char *image_type(const unsigned char *bytes, size_t length)
{
    if (length >= 8 && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (length >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
        return "image/jpeg";
    if (length >= 6 && (memcmp(bytes, "GIF87a", 6) == 0 || memcmp(bytes, "GIF89a", 6) == 0))
        return "image/gif";
    if (length >= 12 && memcmp(bytes, "RIFF", 4) == 0 && memcmp(bytes + 8, "WEBP", 4) == 0)
        return "image/webp";
    size_t head = length < 1024 ? length : 1024;
    if (memmem(bytes, head, "<svg", 4) != NULL && memchr(bytes, '\0', head) == NULL)
        return "image/svg+xml";
    return NULL;
}

static enum pt_status read_logo(struct pt_brand *brand, const char *path, char *error,
                                size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "newsroom_logo %s: cannot open: %s", path, strerror(errno));
        return PT_ERR_IO;
    }
    unsigned char *bytes = pt_xmalloc(PT_BRAND_LOGO_MAX + 1);
    size_t length = fread(bytes, 1, PT_BRAND_LOGO_MAX + 1, file);
    enum pt_status status = PT_OK;
    if (ferror(file)) {
        snprintf(error, error_size, "newsroom_logo %s: cannot read: %s", path, strerror(errno));
        status = PT_ERR_IO;
    } else if (length > PT_BRAND_LOGO_MAX) {
        snprintf(error, error_size, "newsroom_logo %s: larger than %d KiB", path,
                 PT_BRAND_LOGO_MAX / 1024);
        status = PT_ERR_INVALID;
    } else if ((brand->logo_type = image_type(bytes, length)) == NULL) {
        snprintf(error, error_size, "newsroom_logo %s: not a PNG, JPEG, GIF, WebP or SVG image",
                 path);
        status = PT_ERR_INVALID;
    }
    fclose(file);
    if (status) {
        free(bytes);
        return status;
    }
    brand->logo = bytes;
    brand->logo_length = length;
    return PT_OK;
}

enum pt_status pt_brand_load(struct pt_brand *brand, const char *accent, const char *logo_path,
                             char *error, size_t error_size)
{
    memset(brand, 0, sizeof(*brand));
    double contrast = pt_brand_contrast_with_white(accent);
    if (contrast == 0) {
        snprintf(error, error_size, "accent_color must be a colour such as #0b5cad, not '%s'",
                 accent);
        return PT_ERR_INVALID;
    }
    /* The accent is the buttons' background under white text. */
    if (contrast < 4.5) {
        snprintf(error, error_size,
                 "accent_color %s is too light for white text on buttons (contrast %.1f:1, "
                 "at least 4.5:1 is needed): choose a darker shade",
                 accent, contrast);
        return PT_ERR_INVALID;
    }
    if (logo_path != NULL && logo_path[0] != '\0') {
        enum pt_status status = read_logo(brand, logo_path, error, error_size);
        if (status)
            return status;
    }
    struct pt_buf css;
    pt_buf_init(&css);
    pt_buf_printf(&css, ":root { --patron-accent: %s; }\n", accent);
    brand->stylesheet = pt_buf_take(&css, &brand->stylesheet_length);
    return PT_OK;
}

void pt_brand_dispose(struct pt_brand *brand)
{
    free(brand->stylesheet);
    free(brand->logo);
    memset(brand, 0, sizeof(*brand));
}
