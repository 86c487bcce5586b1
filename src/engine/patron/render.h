/* HTML that readers see: the appeal fragment, the embed document, and the
 * frame of patron's own pages, in the reader's language.
 *
 * Rendering happens when the catalogue is built (the appeal) or for pages
 * that are not on the hot path; all text goes through the escapers in buf.h. */
#ifndef PATRON_RENDER_H
#define PATRON_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/i18n.h"
#include "patron/money.h"

/* Their fixed phrases are in i18n's table (PT_MSG_PAGE_…). */

/* The goal ticker of one appeal (patron/goal.h): the sentence with its
 * numbers in, and the bar. */
struct pt_appeal_ticker {
    const char *text; /* plain text, escaped when written */
    int64_t value;    /* 0 to max */
    int64_t max;      /* > 0 */
};

/* What an editor wrote for one variant in one language, and its amounts. */
struct pt_appeal_content {
    const char *headline;       /* may be NULL or empty: no headline */
    const char *body_markdown;  /* may be NULL: no body; raw HTML in it is dropped */
    const char *support_label;  /* NULL: the phrase for "Support us" */
    const char *later_label;    /* NULL: "Remind me later"; "" hides the button */
    const char *supporting_label; /* NULL: "I already support"; "" hides the button */
    unsigned frequencies;       /* bit (1 << enum pt_frequency) per frequency offered */
    enum pt_frequency default_frequency;
    struct pt_amount_ladder ladders[PT_FREQUENCIES]; /* per enum pt_frequency */
    const struct pt_currency *currency;
    const struct pt_appeal_ticker *ticker; /* NULL: no ticker */
};

/* Appends the appeal fragment (its markup is documented in docs/API.md). */
void pt_render_appeal(struct pt_buf *out, const char *campaign_id, const char *variant_id,
                      const char *language, const struct pt_appeal_content *content,
                      const char *public_url);

/* Appends one frequency's amounts as a fieldset of radio buttons named
 * amount_<frequency> ("amount_monthly"), the presets then "other"; chosen is
 * checked unless other_chosen, when "other" is. data-frequency names the
 * frequency, for the stylesheet that shows the checked frequency's. */
void pt_render_amounts(struct pt_buf *out, const char *class_name, enum pt_frequency frequency,
                       const struct pt_amount_ladder *ladder, int64_t chosen, bool other_chosen,
                       const struct pt_currency *currency, const char *language);

/* Appends a whole HTML document around a fragment, for /embed/appeal; fragment
 * may be empty (no appeal). */
void pt_render_embed_document(struct pt_buf *out, const char *language, const char *fragment,
                              const char *public_url);

/* The start and end of one of patron's own pages (support, errors, notices).
 * The title is escaped here. */
void pt_render_page_start(struct pt_buf *out, const char *language, const char *title);
void pt_render_page_end(struct pt_buf *out);

/* Markdown to HTML with cmark, raw HTML and unsafe links removed. */
void pt_render_markdown(struct pt_buf *out, const char *markdown);

/* Replaces each node of a cmark tree for which unfit answers true (an
 * image, a link that cannot be kept) by its children, so that its words
 * stay as text. */
struct cmark_node;
void pt_render_markdown_unwrap(struct cmark_node *document, bool (*unfit)(struct cmark_node *));

#endif
