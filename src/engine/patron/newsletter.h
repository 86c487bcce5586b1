/* The newsletter appeal: a campaign's appeal as email-safe HTML and as plain
 * text, for a newsletter tool to fetch at send time (GET /embed/email,
 * docs/API.md) or for an editor to paste.
 *
 * Email clients strip <style>, scripts and forms, and block images from
 * elsewhere, so the HTML is tables with inline styles and plain links: every
 * amount is a link to the support page, which carries the campaign, the
 * variant, the language and "source=email" so that the support page and the
 * reports count what the newsletter brought. Nothing in a link names the
 * reader. Pure: no I/O; the caller's buffer is the only allocation. */
#ifndef PATRON_NEWSLETTER_H
#define PATRON_NEWSLETTER_H

#include <stdint.h>

#include "patron/buf.h"
#include "patron/catalog.h"
#include "patron/render.h"

/* The value of "source" in the newsletter's links. */
#define PT_NEWSLETTER_SOURCE "email"
/* The buttons' colour when the accent given is not "#rrggbb" (config's
 * default accent). */
#define PT_NEWSLETTER_ACCENT "#0b5cad"

enum pt_newsletter_format {
    PT_NEWSLETTER_HTML, /* a fragment: one outer <table>, to paste or include */
    PT_NEWSLETTER_TEXT, /* the plain-text twin, with the same links */
};

/* Why a campaign has no newsletter appeal now. */
enum pt_newsletter_refusal {
    PT_NEWSLETTER_OK,
    PT_NEWSLETTER_UNKNOWN_CAMPAIGN,
    PT_NEWSLETTER_DRAFT,
    PT_NEWSLETTER_NOT_STARTED,
    PT_NEWSLETTER_ENDED, /* ended by the editor, or past its ends_at */
    PT_NEWSLETTER_UNKNOWN_VARIANT,
    PT_NEWSLETTER_LANGUAGE, /* the campaign has no text in the language */
    PT_NEWSLETTER_COUNTS_ARTICLES, /* the variant's copy says {articles}: a
                                      count of the reader's reading no email knows */
};

/* What one newsletter appeal shows, all borrowed from the catalogue. */
struct pt_newsletter_choice {
    const struct pt_campaign *campaign;
    const struct pt_variant *variant;
    const struct pt_variant_text *text;
};

/* Chooses the appeal of campaign_id in language at unix time now: the
 * variant named (variant_id; any variant, even one with weight 0, which web
 * readers never see), else the campaign's first variant with a weight above
 * 0 whose copy in that language does not say {articles}. On
 * PT_NEWSLETTER_COUNTS_ARTICLES, choice->variant names the variant that
 * says it. language is matched without regard to case. On PT_NEWSLETTER_OK fills
 * choice, which borrows from catalog. */
enum pt_newsletter_refusal pt_newsletter_choose(const struct pt_catalog *catalog,
                                                const char *campaign_id, const char *variant_id,
                                                const char *language, int64_t now,
                                                struct pt_newsletter_choice *choice);

/* The appeal's content for the choice, as the end-of-article appeal has it
 * (its amounts, frequencies, currency and the editor's words); borrows from
 * the catalogue. Returns false when the campaign's currency is unknown. */
bool pt_newsletter_content(const struct pt_newsletter_choice *choice,
                           struct pt_appeal_content *content);

/* Appends the appeal in format. Every link is absolute, under public_url
 * (no trailing slash), to its /support page; accent ("#rrggbb", else
 * PT_NEWSLETTER_ACCENT) colours the buttons. The body's markdown keeps its absolute http(s) and
 * mailto links and loses other links and images (their words stay). */
void pt_newsletter_render(struct pt_buf *out, enum pt_newsletter_format format,
                          const char *campaign_id, const char *variant_id, const char *language,
                          const struct pt_appeal_content *content, const char *public_url,
                          const char *accent);

#endif
