/* The newsroom's look on patron's own pages (support, thanks, manage): its
 * accent colour and its logo, served by patron itself so that no page asks
 * another host for anything. */
#ifndef PATRON_BRAND_H
#define PATRON_BRAND_H

#include <stddef.h>

#include "patron/status.h"

#define PT_BRAND_LOGO_MAX (256 * 1024)

struct pt_brand {
    char *stylesheet; /* the text of /brand.css: the accent as a custom property */
    size_t stylesheet_length;
    unsigned char *logo; /* the logo file's bytes, or NULL for none */
    size_t logo_length;
    const char *logo_type; /* its media type, from its first bytes */
};

/* Reads the accent ("#rrggbb"; white text on it must reach a contrast of
 * 4.5:1) and the logo file (PNG, JPEG, GIF, WebP or SVG, at most
 * PT_BRAND_LOGO_MAX bytes; "" for none) into brand. On a bad value returns
 * PT_ERR_INVALID or PT_ERR_IO with the reason in error, and brand holds
 * nothing to dispose. */
enum pt_status pt_brand_load(struct pt_brand *brand, const char *accent, const char *logo_path,
                             char *error, size_t error_size);
void pt_brand_dispose(struct pt_brand *brand);

/* The WCAG 2 contrast ratio of white on a "#rrggbb" colour, or 0 when the
 * text is not such a colour. */
double pt_brand_contrast_with_white(const char *color);

#endif
